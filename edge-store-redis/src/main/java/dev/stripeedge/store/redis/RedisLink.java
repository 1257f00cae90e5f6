package dev.stripeedge.store.redis;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The tier's connections, opened at once when Redis is reachable, else retried in the background so
 * an edge that starts while Redis is down serves without the tier and picks it up later. Once open,
 * Lettuce reconnects by itself; this class only covers the first connection.
 *
 * <p>Thread-safe.
 */
final class RedisLink implements AutoCloseable {

  private static final System.Logger log = System.getLogger(RedisLink.class.getName());

  private static final Duration FIRST_RETRY = Duration.ofMillis(250);
  private static final Duration MAX_RETRY = Duration.ofSeconds(5);

  private final RedisTierConfig config;
  private final Consumer<RedisConnections> onOpen;
  private volatile @Nullable RedisConnections connections;
  private volatile @Nullable String lastFailure;
  private @Nullable ScheduledExecutorService retries; // guarded by this
  private boolean closed; // guarded by this
  private int attempts; // touched by one thread at a time: the caller, then the retry thread

  private RedisLink(RedisTierConfig config, Consumer<RedisConnections> onOpen) {
    this.config = config;
    this.onOpen = onOpen;
  }

  /**
   * Tries once, blocking up to the connect timeout; on failure returns anyway and keeps trying.
   *
   * @param onOpen runs on fresh connections before they are used (subscribes); a failure there
   *     counts as a failed attempt
   */
  static RedisLink open(RedisTierConfig config, Consumer<RedisConnections> onOpen) {
    RedisLink link = new RedisLink(config, onOpen);
    if (!link.attempt()) {
      log.log(
          System.Logger.Level.WARNING,
          "redis: cannot connect to "
              + config.redactedUris()
              + " ("
              + link.lastFailure
              + "); the tier fails its calls and keeps trying in the background");
      link.retryAfter(FIRST_RETRY);
    }
    return link;
  }

  /** The open connections, or null while the first connection is still being retried. */
  @Nullable RedisConnections current() {
    return connections;
  }

  /**
   * What a call gets while there is no connection yet or any more; names the URIs without
   * passwords.
   */
  synchronized IllegalStateException notConnected() {
    if (closed) {
      return new IllegalStateException("redis: the tier is closed");
    }
    return new IllegalStateException(
        "redis: not connected to "
            + config.redactedUris()
            + " yet, retrying in the background; last error: "
            + lastFailure);
  }

  private boolean attempt() {
    attempts++;
    RedisConnections opened;
    try {
      opened = RedisConnections.open(config);
    } catch (RuntimeException e) {
      lastFailure = e.getMessage();
      return false;
    }
    try {
      onOpen.accept(opened);
    } catch (RuntimeException e) {
      opened.close();
      lastFailure = e.getMessage();
      return false;
    }
    synchronized (this) {
      if (closed) {
        opened.close();
      } else {
        connections = opened;
      }
    }
    return true;
  }

  private synchronized void retryAfter(Duration delay) {
    if (closed) {
      return;
    }
    if (retries == null) {
      retries =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread thread = new Thread(task, "redis-tier-connect");
                thread.setDaemon(true);
                return thread;
              });
    }
    retries.schedule(
        () -> {
          if (attempt()) {
            log.log(
                System.Logger.Level.INFO,
                "redis: connected to " + config.redactedUris() + " after " + attempts + " tries");
            stopRetrying();
          } else {
            Duration doubled = delay.multipliedBy(2);
            retryAfter(doubled.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : doubled);
          }
        },
        delay.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private synchronized void stopRetrying() {
    if (retries != null) {
      retries.shutdown();
    }
  }

  @Override
  public void close() {
    RedisConnections open;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (retries != null) {
        retries.shutdownNow();
      }
      open = connections;
      connections = null;
    }
    if (open != null) {
      open.close();
    }
  }
}
