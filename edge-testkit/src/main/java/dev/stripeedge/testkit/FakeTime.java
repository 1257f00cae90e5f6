package dev.stripeedge.testkit;

import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Time that moves only when the test says so: a {@link Ticker}, a {@link Scheduler} and a wall
 * {@link Clock} ({@link #clock()}) that advance together, so code reading any of them sees one
 * consistent "now".
 *
 * <pre>{@code
 * FakeTime time = new FakeTime();
 * Budget budget = new Shaper(config, lanes, time, time, meters, ...);
 * time.advance(Duration.ofMillis(250)); // runs every timer due on the way, in order
 * }</pre>
 *
 * <p>Thread-safe: code under test may read it and schedule on it from any thread. Timers due while
 * advancing complete on the thread that calls {@link #advance}, one at a time and in due order
 * (ties in the order they were scheduled), with the time already moved to their due instant; work
 * they trigger runs there too, so after {@code advance} returns everything due has run. A delay of
 * zero or less completes at once, as {@link Scheduler#system()} does.
 */
public final class FakeTime implements Ticker, Scheduler {

  /** Where a fake time starts unless told otherwise: 2026-01-01T00:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  // Far from zero, so code subtracting a duration from "now" never goes negative.
  private static final long ORIGIN_NANOS = 1_000_000_000_000L;

  private record Timer(long due, long seq, CompletableFuture<Void> future) {}

  private final Instant start;
  private final PriorityQueue<Timer> timers =
      new PriorityQueue<>(
          (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now = ORIGIN_NANOS;
  private long seq;

  /** Starting at {@link #DEFAULT_START}. */
  public FakeTime() {
    this(DEFAULT_START);
  }

  /** Starting at {@code start} on the wall clock. */
  public FakeTime(Instant start) {
    this.start = start;
  }

  @Override
  public synchronized long nanos() {
    return now;
  }

  /** The wall-clock time now. */
  public synchronized Instant instant() {
    return start.plusNanos(now - ORIGIN_NANOS);
  }

  /** Microseconds since the epoch now, for stores that take a clock in micros. */
  public long epochMicros() {
    Instant instant = instant();
    return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + instant.getNano() / 1_000;
  }

  /** A UTC wall clock reading this time. */
  public Clock clock() {
    return new View(ZoneOffset.UTC);
  }

  @Override
  public CompletableFuture<Void> after(Duration delay) {
    if (delay.isZero() || delay.isNegative()) {
      return CompletableFuture.<Void>completedFuture(null);
    }
    CompletableFuture<Void> future = new CompletableFuture<>();
    synchronized (this) {
      timers.add(new Timer(Math.addExact(now, delay.toNanos()), seq++, future));
    }
    return future;
  }

  /** Timers scheduled and not yet due. */
  public synchronized int pending() {
    return timers.size();
  }

  /**
   * Moves time forward by {@code step} (zero or more), completing every timer due on the way, in
   * order, each with the time at its due instant; then the time is {@code step} later than before.
   */
  public void advance(Duration step) {
    if (step.isNegative()) {
      throw new IllegalArgumentException("time moves forward only: " + step);
    }
    long end;
    synchronized (this) {
      end = Math.addExact(now, step.toNanos());
    }
    while (true) {
      Timer due;
      synchronized (this) {
        Timer next = timers.peek();
        if (next == null || next.due() > end) {
          now = Math.max(now, end);
          return;
        }
        due = timers.poll();
        now = Math.max(now, due.due());
      }
      // Outside the lock: what the timer triggers may read the time or schedule again.
      due.future().complete(null);
    }
  }

  /** Moves time forward in steps of {@code step} until {@code total} has passed. */
  public void advance(Duration total, Duration step) {
    if (step.isZero() || step.isNegative()) {
      throw new IllegalArgumentException("a step must be positive: " + step);
    }
    Duration left = total;
    while (left.compareTo(step) > 0) {
      advance(step);
      left = left.minus(step);
    }
    advance(left);
  }

  /**
   * Completes every timer already due without moving time (work that scheduled zero-ish delays).
   */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** Timers not yet due, cancelled: for a test's tear-down. */
  public void cancelPending() {
    List<Timer> left;
    synchronized (this) {
      left = new ArrayList<>(timers);
      timers.clear();
    }
    left.forEach(timer -> timer.future().cancel(false));
  }

  @Override
  public String toString() {
    return "FakeTime[" + instant() + "]";
  }

  private final class View extends Clock {
    private final ZoneId zone;

    View(ZoneId zone) {
      this.zone = zone;
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return new View(zone);
    }

    @Override
    public Instant instant() {
      return FakeTime.this.instant();
    }

    @Override
    public String toString() {
      return "FakeTime.clock[" + FakeTime.this.instant() + "," + zone + "]";
    }
  }
}
