package dev.stripeedge.queue.kafka;

import dev.stripeedge.testkit.Waits;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker — Kafka's own {@code KafkaRaftServer} from {@code kafka_2.13}, in
 * KRaft combined mode (broker and controller, one node) — run in this JVM on free loopback ports,
 * its log in a temporary folder that closing deletes: for tests and benchmarks only. Started once
 * per test class (a few seconds); each test takes its own topic and consumer group.
 */
public final class KafkaBroker implements AutoCloseable {

  private final KafkaRaftServer server;
  private final Path dir;
  private final int port;

  private KafkaBroker(KafkaRaftServer server, Path dir, int port) {
    this.server = server;
    this.dir = dir;
    this.port = port;
  }

  /** Formats a log folder and starts the broker; returns once it answers a client. */
  public static KafkaBroker start() {
    quietLogging();
    Path dir;
    try {
      dir = Files.createTempDirectory("edge-kafka");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int port = freePort();
    int controllerPort = freePort();
    Path logs = dir.resolve("logs");
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.put(
        "listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("log.dirs", logs.toString());
    // One node: every internal topic with one replica; few partitions so it starts quickly.
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "4");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    // A consumer joining a group is assigned its partitions at once, not after 3 s.
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "4");
    props.put("log.flush.interval.messages", "1");
    KafkaConfig config = KafkaConfig.fromProps(props, false);
    try {
      new Formatter()
          .setPrintStream(
              new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8))
          .setClusterId(Uuid.randomUuid().toString())
          .setNodeId(1)
          .setDirectories(List.of(logs.toString()))
          .setMetadataLogDirectory(logs.toString())
          .setControllerListenerName("CONTROLLER")
          .setReleaseVersion(MetadataVersion.latestProduction())
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("formatting the Kafka log folder failed", e);
    }
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    server.startup();
    KafkaBroker broker = new KafkaBroker(server, dir, port);
    broker.awaitReady();
    return broker;
  }

  /** The bootstrap servers, for {@code asyncWrites.queueOptions.bootstrapServers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** An admin client of it; the caller closes it. */
  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  private void awaitReady() {
    try (Admin admin = admin()) {
      // The broker registers with its controller after startup returns: a cluster description
      // listing it means clients can create topics and join groups.
      Waits.until(
          "the Kafka broker lists itself",
          Duration.ofSeconds(60),
          () -> {
            try {
              return !admin.describeCluster().nodes().get().isEmpty();
            } catch (ExecutionException e) {
              return false;
            }
          });
    }
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // A temporary folder: the OS cleans it.
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Logback's default is DEBUG; the broker and its clients say a lot at INFO already. */
  private static void quietLogging() {
    // Only where Logback is the binding: edge-bench's jar has none, and then nothing logs.
    if (LoggerFactory.getILoggerFactory().getClass().getName().startsWith("ch.qos.logback.")) {
      quietLogback();
    }
  }

  private static void quietLogback() {
    for (String name : new String[] {"kafka", "org.apache.kafka", "state.change.logger"}) {
      if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
        logger.setLevel(ch.qos.logback.classic.Level.WARN);
      }
    }
  }
}
