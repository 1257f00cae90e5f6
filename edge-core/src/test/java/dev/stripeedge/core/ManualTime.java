package dev.stripeedge.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock and a ticker moving together, only when the test says so (edge-testkit's FakeTime
 * cannot be used here: it depends on this module). Thread-safe.
 */
final class ManualTime implements Ticker {

  private final AtomicLong nanos = new AtomicLong(Duration.ofDays(20_000).toNanos());

  @Override
  public long nanos() {
    return nanos.get();
  }

  void advance(Duration step) {
    nanos.addAndGet(step.toNanos());
  }

  Clock clock() {
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        long now = nanos.get();
        return Instant.ofEpochSecond(now / 1_000_000_000L, now % 1_000_000_000L);
      }
    };
  }
}
