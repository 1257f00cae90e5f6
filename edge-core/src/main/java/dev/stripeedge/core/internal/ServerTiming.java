package dev.stripeedge.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * Where an answer's time went, rendered as a W3C {@code Server-Timing} value: memory lookup, the
 * tiers below it, waiting for budget, upstream, and the retries made.
 *
 * @param cacheNanos the memory lookup
 * @param tiers the lookup through the tiers below memory, or null when they were not asked
 * @param exchange the upstream exchange, or null when there was none
 */
record ServerTiming(long cacheNanos, @Nullable TierTiming tiers, @Nullable Exchange exchange) {

  /**
   * The lookup through the tiers.
   *
   * @param nanos its duration
   * @param hitTier the tier that answered, or null for a miss
   */
  record TierTiming(long nanos, @Nullable String hitTier) {}

  /** The header's value. */
  String render() {
    StringBuilder timing = new StringBuilder(64);
    timing.append("cache;dur=").append(millis(cacheNanos));
    if (tiers != null) {
      timing.append(", tier;dur=").append(millis(tiers.nanos()));
      if (tiers.hitTier() != null) {
        timing.append(";desc=\"").append(tiers.hitTier()).append('"');
      }
    }
    if (exchange != null) {
      timing.append(", queue;dur=").append(millis(exchange.queueNanos()));
      timing.append(", upstream;dur=").append(millis(exchange.upstreamNanos()));
      timing.append(", retries;desc=\"").append(Math.max(0, exchange.attempts() - 1)).append('"');
    }
    return timing.toString();
  }

  /** Milliseconds with three decimals, without String.format (a measurable cost per hit). */
  static String millis(long nanos) {
    long micros = Math.max(0, nanos) / 1_000;
    long fraction = micros % 1_000;
    StringBuilder out = new StringBuilder(12).append(micros / 1_000).append('.');
    if (fraction < 100) {
      out.append('0');
    }
    if (fraction < 10) {
      out.append('0');
    }
    return out.append(fraction).toString();
  }
}
