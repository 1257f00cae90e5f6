package dev.stripeedge.core.internal;

import dev.stripeedge.core.Ticker;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A {@link Clock} on the injected ticker, for resilience4j's time-based window and open-state wait:
 * its instants are the ticker's nanoseconds, so a fake ticker moves a breaker's time.
 */
public final class TickerClock extends Clock {

  private final Ticker ticker;

  public TickerClock(Ticker ticker) {
    this.ticker = ticker;
  }

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
    return Instant.ofEpochSecond(0, ticker.nanos());
  }

  @Override
  public long millis() {
    return ticker.nanos() / 1_000_000;
  }
}
