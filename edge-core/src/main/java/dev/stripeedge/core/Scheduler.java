package dev.stripeedge.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Completes futures after a delay: how the edge waits between retries without holding a thread.
 *
 * <p>Implementations are thread-safe and never block the caller; tests inject one that completes at
 * once or when a fake clock moves.
 */
@FunctionalInterface
public interface Scheduler {

  /** A future completed (normally) once {@code delay} has passed. */
  CompletableFuture<Void> after(Duration delay);

  /** Real time, on the JDK's shared delayed executor. */
  static Scheduler system() {
    return delay -> {
      if (delay.isZero() || delay.isNegative()) {
        return CompletableFuture.<Void>completedFuture(null);
      }
      return CompletableFuture.runAsync(
          () -> {}, CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS));
    };
  }
}
