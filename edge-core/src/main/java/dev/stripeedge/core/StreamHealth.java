package dev.stripeedge.core;

import java.time.Clock;
import java.time.Duration;

/**
 * Whether the edge's event stream is healthy, so that a cache tier's entry past its TTL (but within
 * its tier's retention) may still answer: webhook deliveries were seen within the window, or the
 * reconciler caught up within it. While the stream is healthy, a change to a cached object reaches
 * the edge (and drops or refreshes the entry) within the window.
 *
 * <p>A healthy stream now is not enough for an entry fetched before a quiet spell: what changed
 * while nothing was heard may never have been applied. So a delivery after a quiet spell (or the
 * first one after start) opens a <em>gap</em>: entries fetched before it are not covered until a
 * reconciler pass that began after it catches up, which applies every event since the cursor, the
 * ones missed included.
 *
 * <p>Thread-safe; never blocks.
 */
public final class StreamHealth {

  private final Clock clock;
  private final long windowMillis;
  // Evidence of a live stream counts until this time (epoch millis).
  private long healthyUntil = Long.MIN_VALUE;
  // Entries fetched at or before this time may have missed events (a quiet spell ended then).
  private long gapEnd;

  private StreamHealth(Clock clock, Duration window) {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("stream window must be positive: " + window);
    }
    this.clock = clock;
    this.windowMillis = window.toMillis();
    // Nothing was heard before this edge started: entries already in a durable tier are not
    // covered until a reconciler pass catches up.
    this.gapEnd = clock.millis();
  }

  /** A stream judged on {@code clock}, healthy for {@code window} after each piece of evidence. */
  public static StreamHealth of(Clock clock, Duration window) {
    return new StreamHealth(clock, window);
  }

  /** The current time on this stream's clock: what {@link #caughtUp} takes. */
  public long now() {
    return clock.millis();
  }

  /** A verified webhook delivery was received (new or a duplicate: either shows the stream). */
  public synchronized void deliverySeen() {
    long now = clock.millis();
    if (now >= healthyUntil) {
      gapEnd = Math.max(gapEnd, now); // heard again after a quiet spell
    }
    healthyUntil = Math.max(healthyUntil, now + windowMillis);
  }

  /**
   * A reconciler pass that began at {@code passBeganMillis} (from {@link #now()}) read every event
   * up to the newest: what was missed before it began is applied.
   */
  public synchronized void caughtUp(long passBeganMillis) {
    if (gapEnd <= passBeganMillis) {
      gapEnd = Long.MIN_VALUE;
    }
    healthyUntil = Math.max(healthyUntil, passBeganMillis + windowMillis);
  }

  /** Whether the stream is healthy now and has been since an entry fetched at that time. */
  public synchronized boolean covers(long fetchStartedMillis) {
    return clock.millis() < healthyUntil && fetchStartedMillis > gapEnd;
  }

  /** Whether the stream is healthy now (for readiness and metrics). */
  public synchronized boolean healthy() {
    return clock.millis() < healthyUntil;
  }
}
