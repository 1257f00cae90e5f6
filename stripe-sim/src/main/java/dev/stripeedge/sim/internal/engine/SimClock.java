package dev.stripeedge.sim.internal.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The simulated clock: real time plus an offset that only moves forward.
 *
 * <p>Everything time-based in the simulator (created timestamps, rate-limit buckets, idempotency
 * expiry, event retention, webhook timestamps) reads this clock, so the control API and tests can
 * advance time instead of sleeping. A manual clock does not move by itself. Thread-safe.
 */
public final class SimClock {

  private final long baseEpochMillis;
  private final long baseNanos;
  private final LongSupplier nanoSource;
  private final AtomicLong offsetNanos = new AtomicLong();

  private SimClock(long baseEpochMillis, LongSupplier nanoSource) {
    this.baseEpochMillis = baseEpochMillis;
    this.nanoSource = nanoSource;
    this.baseNanos = nanoSource.getAsLong();
  }

  /** Follows real time. */
  public static SimClock system() {
    return new SimClock(System.currentTimeMillis(), System::nanoTime);
  }

  /** Stands still at {@code epochMillis} until advanced. */
  public static SimClock manual(long epochMillis) {
    return new SimClock(epochMillis, () -> 0L);
  }

  /** Monotonic nanoseconds, for rates and durations. */
  public long nanos() {
    return nanoSource.getAsLong() - baseNanos + offsetNanos.get();
  }

  public long epochMillis() {
    return baseEpochMillis + nanos() / 1_000_000L;
  }

  public long epochSeconds() {
    return epochMillis() / 1000L;
  }

  /** Moves time forward; a negative duration is refused because buckets and TTLs assume it. */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("the clock only moves forward: " + duration);
    }
    offsetNanos.addAndGet(duration.toNanos());
  }
}
