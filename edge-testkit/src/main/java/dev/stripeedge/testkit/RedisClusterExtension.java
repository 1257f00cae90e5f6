package dev.stripeedge.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real three-node Redis Cluster for a test class: three {@code redis-server --cluster-enabled
 * yes} processes on free loopback ports (no replicas, no persistence), joined with {@code redis-cli
 * --cluster create}, ready once every node reports {@code cluster_state:ok}.
 *
 * <p>Without {@code redis-server} and {@code redis-cli} on PATH the tests fail with a message
 * saying how to install them. Not thread-safe.
 */
public final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback {

  private static final int NODES = 3;
  private static final Duration READY_WITHIN = Duration.ofSeconds(30);

  private final List<RedisServerProcess> nodes = new ArrayList<>();
  private @Nullable Path dir;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    RedisServerProcess.executable("redis-server");
    Path cli = RedisServerProcess.executable("redis-cli");
    Path folder = Files.createTempDirectory("stripe-edge-redis-cluster");
    dir = folder;
    for (int i = 0; i < NODES; i++) {
      int port = RedisServerProcess.freePort();
      // The bus port would be port + 10000, beyond 65535 for most ephemeral ports: pick one.
      int busPort = RedisServerProcess.freePort();
      RedisServerProcess node =
          new RedisServerProcess(
              port,
              folder.resolve("node" + i),
              List.of(
                  "--cluster-enabled", "yes",
                  "--cluster-port", String.valueOf(busPort),
                  "--cluster-config-file", "nodes.conf",
                  "--cluster-node-timeout", "5000"));
      nodes.add(node);
      node.start();
    }
    create(cli, folder);
    awaitClusterOk();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (RedisServerProcess node : nodes) {
      node.stop();
    }
    nodes.clear();
    if (dir != null) {
      TempDirs.delete(dir);
    }
  }

  /** The nodes' URIs, {@code redis://127.0.0.1:<port>}, each a seed for a cluster client. */
  public List<String> uris() {
    return nodes.stream().map(node -> "redis://127.0.0.1:" + node.port()).toList();
  }

  /**
   * Kills node {@code index} (0 to 2) as a crash would; its hash slots go unserved, and once the
   * others notice (node timeout 5 s) the whole cluster reports {@code CLUSTERDOWN}.
   */
  public void stopNode(int index) throws InterruptedException {
    nodes.get(index).stop();
  }

  /**
   * Starts node {@code index} again on its port with its cluster config (its data is gone) and
   * returns once every node reports {@code cluster_state:ok}.
   */
  public void startNode(int index) throws IOException, InterruptedException {
    nodes.get(index).start();
    awaitClusterOk();
  }

  private void create(Path cli, Path folder) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
    for (RedisServerProcess node : nodes) {
      command.add("127.0.0.1:" + node.port());
    }
    command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
    Path output = folder.resolve("cluster-create.out");
    Process create =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    boolean exited = create.waitFor(READY_WITHIN.toSeconds(), TimeUnit.SECONDS);
    if (!exited || create.exitValue() != 0) {
      create.destroyForcibly();
      throw new IllegalStateException(
          "redis-cli --cluster create failed:\n"
              + Files.readString(output, StandardCharsets.UTF_8));
    }
  }

  private void awaitClusterOk() throws InterruptedException {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    for (RedisServerProcess node : nodes) {
      while (true) {
        String info = node.command("CLUSTER INFO");
        if (info != null && info.contains("cluster_state:ok")) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the cluster did not reach cluster_state:ok on port " + node.port() + ": " + info);
        }
        Thread.sleep(50);
      }
    }
  }
}
