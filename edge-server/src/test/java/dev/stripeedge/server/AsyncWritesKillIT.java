package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.queue.sqs.ElasticMq;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12's scenario, per queue backend: a sidecar in its own JVM ({@link KillableEdge}) accepts
 * asynchronous creates, then is SIGKILLed again and again while its workers drain them (each time
 * after a random share of the writes succeeded since its start, so some calls are in flight at
 * Stripe and some are applied there but not recorded), restarted each time on the same store (and,
 * for SQS, the same queue: ElasticMQ runs in this JVM, outliving the edges). Afterwards every write
 * succeeded and the simulator holds exactly one customer for each: none lost, none doubled.
 *
 * <p>In CI: 200 writes and 4 kills per backend (the drain runs at the edge's budget for a test key,
 * and each restart is a JVM start). The full scenario: {@code -Dasync.kill.writes=1000
 * -Dasync.kill.kills=6} (docs/benchmarks.md has its figures).
 */
class AsyncWritesKillIT {

  private static final int WRITES = Integer.getInteger("async.kill.writes", 200);
  private static final int KILLS = Math.max(2, Integer.getInteger("async.kill.kills", 4));
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** Writes take 40 ms at the median: a kill finds several in flight at Stripe. */
  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(
          SimConfig.forTests()
              .withLimits(SimConfig.Limits.off())
              .withLatency(new SimConfig.Latency(true, 2, 2, 40, 40, 2)));

  private static ElasticMq sqs;

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Process> processes = new ArrayList<>();
  private final Random random = new Random();

  @BeforeAll
  static void startSqs() {
    sqs = ElasticMq.start();
  }

  @AfterAll
  static void stopSqs() {
    sqs.close();
  }

  @AfterEach
  void killAll() {
    processes.forEach(Process::destroyForcibly);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "sqs"})
  void everyAcceptedWriteIsAppliedExactlyOnceThroughRepeatedKills(String queue) throws Exception {
    long began = System.nanoTime();
    String key = "sk_test_killmany" + queue + System.nanoTime();
    List<String> properties = new ArrayList<>();
    properties.add(KillableEdge.ASYNC_VISIBILITY_PROPERTY + "=1500");
    properties.add(KillableEdge.ASYNC_QUEUE_PROPERTY + "=" + queue);
    if (queue.equals("sqs")) {
      String prefix = KillableEdge.ASYNC_QUEUE_OPTION_PREFIX;
      properties.add(prefix + "endpoint=" + sqs.endpoint());
      properties.add(prefix + "region=us-east-1");
      properties.add(prefix + "queueName=kill-" + System.nanoTime() + ".fifo");
      properties.add("aws.accessKeyId=test");
      properties.add("aws.secretAccessKey=test");
    }

    Process edge = start(properties);
    int port = port(edge);
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < WRITES; i++) {
      sent.add(
          http.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/customers"))
                  .header("Authorization", "Bearer " + key)
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .header("Prefer", "respond-async")
                  .POST(HttpRequest.BodyPublishers.ofString("name=Kill&metadata[n]=" + i))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
      if (i % 100 == 99) {
        // In waves: a thousand connections at once would measure the socket table, not the edge.
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      }
    }
    for (var response : sent) {
      assertThat(response.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    }

    for (int kill = 0; kill < KILLS; kill++) {
      long before = succeeded();
      // A random share of what is left, so the kills fall across the whole drain.
      long step = Math.max(1, (WRITES - before) / (KILLS - kill + 1));
      long target = Math.min(WRITES - 1, before + step / 2 + random.nextInt((int) step));
      waitFor("drained to " + target, () -> succeeded() >= target);
      edge.destroyForcibly();
      edge.waitFor(30, TimeUnit.SECONDS);
      assertThat(succeeded()).as("writes still to do at kill %d", kill + 1).isLessThan(WRITES);
      if (kill < KILLS - 1) {
        edge = start(properties);
        port(edge);
      }
    }
    edge = start(properties);
    port(edge);
    waitFor("every accepted write succeeded", () -> succeeded() == WRITES);

    assertThat(count("SELECT COUNT(*) FROM async_writes WHERE attempts > 1"))
        .as("writes delivered again after a kill")
        .isPositive();
    Map<String, Integer> perWrite = KilledEdges.customersByWrite(http, sim.baseUrl(), key);
    assertThat(perWrite).as("writes with a customer").hasSize(WRITES);
    assertThat(perWrite.values()).as("customers per write").containsOnly(1);
    System.out.printf(
        "%s: %d writes, %d kills, %d redelivered, %d s%n",
        queue,
        WRITES,
        KILLS,
        count("SELECT COUNT(*) FROM async_writes WHERE attempts > 1"),
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began));
  }

  private Process start(List<String> properties) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-Dlogback.configurationFile=" + KilledEdges.quietLogging(dir));
    properties.forEach(property -> command.add("-D" + property));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(KillableEdge.class.getName());
    command.add(sim.baseUrl());
    command.add(dir.resolve("edge.db").toString());
    command.add("whsec_unused");
    command.add("0");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
    processes.add(process);
    return process;
  }

  /** Reads the child's output until it says where it listens. */
  private static int port(Process process) throws IOException {
    List<String> seen = new ArrayList<>();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("listening ")) {
        // The rest of its output is drained so the child never blocks on a full pipe.
        Thread.ofPlatform().daemon().start(() -> out.lines().forEach(ignored -> {}));
        return Integer.parseInt(line.substring("listening ".length()));
      }
      seen.add(line);
    }
    throw new AssertionError("the edge exited before listening:\n" + String.join("\n", seen));
  }

  private long succeeded() throws SQLException {
    return count("SELECT COUNT(*) FROM async_writes WHERE state = 'succeeded'");
  }

  private long count(String sql) throws SQLException {
    try (Connection connection =
            DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("edge.db"));
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      return row.next() ? row.getLong(1) : 0;
    }
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void waitFor(String what, Condition condition) throws Exception {
    long deadline = System.nanoTime() + WAIT_NANOS;
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      Thread.sleep(10);
    }
  }
}
