package dev.stripeedge.core;

/**
 * A monotonic clock in nanoseconds, injected so tests move time instead of sleeping.
 *
 * <p>Implementations are thread-safe and never block.
 */
@FunctionalInterface
public interface Ticker {

  /** Nanoseconds from an arbitrary origin; only differences mean anything. */
  long nanos();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
