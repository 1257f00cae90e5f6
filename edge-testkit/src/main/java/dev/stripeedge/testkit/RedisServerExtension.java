package dev.stripeedge.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} from PATH for a test class: on a free loopback port, without
 * persistence ({@code --save '' --appendonly no}), started before the first test and killed after
 * the last.
 *
 * <pre>{@code
 * @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();
 * ... RedisURI.create(redis.uri()) ...
 * }</pre>
 *
 * <p>A test may {@link #stop()} the server (SIGKILL, as a crash) and {@link #start()} it again on
 * the same port, empty, or {@link #pause()} and {@link #resume()} it. Without {@code redis-server}
 * on PATH the tests fail with a message saying how to install it: they are never skipped.
 *
 * <p>Not thread-safe: call {@code start}/{@code stop} from the test thread.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {

  private static final int PORT_ATTEMPTS = 5;

  private @Nullable RedisServerProcess server;
  private @Nullable Path dir;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    RedisServerProcess.executable("redis-server");
    Path folder = Files.createTempDirectory("stripe-edge-redis");
    dir = folder;
    // The free port may be taken by another build between our probe and redis-server's bind.
    @Nullable IllegalStateException last = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      RedisServerProcess candidate =
          new RedisServerProcess(RedisServerProcess.freePort(), folder, List.of());
      try {
        candidate.start();
        server = candidate;
        return;
      } catch (IllegalStateException e) {
        last = e;
      }
    }
    throw Objects.requireNonNull(last);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    RedisServerProcess running = server;
    server = null;
    if (running != null) {
      running.stop();
    }
    if (dir != null) {
      TempDirs.delete(dir);
    }
  }

  /** The server's port on 127.0.0.1. */
  public int port() {
    return server().port();
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String uri() {
    return "redis://127.0.0.1:" + port();
  }

  /** Whether the server is up (not stopped by a test). */
  public boolean running() {
    return server().running();
  }

  /** Kills the server as a crash would; clients see their connections drop. */
  public void stop() throws InterruptedException {
    server().stop();
  }

  /** Starts the server again on the same port, empty, and returns once it answers PING. */
  public void start() throws IOException, InterruptedException {
    server().start();
  }

  /**
   * Freezes the server (SIGSTOP): connections stay open, nothing is answered — a stuck server, not
   * a dead one. {@link #resume()} thaws it; {@link #stop()} kills it even while paused.
   */
  public void pause() throws IOException, InterruptedException {
    server().signal("STOP");
  }

  /** Thaws a {@link #pause() paused} server; it answers what was sent meanwhile. */
  public void resume() throws IOException, InterruptedException {
    server().signal("CONT");
  }

  /**
   * Runs one inline command ({@code "DBSIZE"}) and returns its reply: a status or integer line as
   * sent ({@code ":0"}), a bulk string's content, an array's elements one per line; null when the
   * server does not answer.
   */
  public @Nullable String command(String line) {
    return server().command(line);
  }

  private RedisServerProcess server() {
    RedisServerProcess current = server;
    if (current == null) {
      throw new IllegalStateException(
          "the Redis server starts in beforeAll: register the extension on a static field");
    }
    return current;
  }
}
