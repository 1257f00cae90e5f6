package dev.stripeedge.testkit;

import java.time.Duration;

/**
 * Polling waits for effects that real servers produce in their own time (a write-through reaching
 * Redis, a webhook arriving, a process restarting).
 *
 * <p>A wait is generous — {@link #GENEROUS} unless told — and judges nothing about how long the
 * effect took: it only fails when the effect never comes, so a slow or busy machine makes a test
 * slower, never red. Asserting on elapsed time is what fake time ({@link FakeTime}) is for.
 */
public final class Waits {

  /** How long a wait polls before it gives up: far beyond what any machine needs. */
  public static final Duration GENEROUS = Duration.ofSeconds(30);

  private static final long POLL_MILLIS = 10;

  private Waits() {}

  /** A condition polled by a wait; it may throw, which fails the wait at once. */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  /**
   * Returns once {@code condition} holds, polling it; throws {@link AssertionError} naming {@code
   * what} if it still does not after {@link #GENEROUS}.
   */
  public static void until(String what, Condition condition) {
    until(what, GENEROUS, condition);
  }

  /**
   * Returns once {@code condition} holds, polling it; throws {@link AssertionError} naming {@code
   * what} if it still does not after {@code atMost}.
   */
  public static void until(String what, Duration atMost, Condition condition) {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (true) {
      boolean holds;
      try {
        holds = condition.holds();
      } catch (Exception e) {
        throw new AssertionError("while waiting for " + what + ": " + e, e);
      }
      if (holds) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("never happened within " + atMost + ": " + what);
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }
}
