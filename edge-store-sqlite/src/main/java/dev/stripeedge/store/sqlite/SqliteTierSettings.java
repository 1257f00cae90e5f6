package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.spi.TierBackend;
import java.time.Duration;

/**
 * The SQLite tier in configuration ({@code tiers.sqlite}): the cache survives a restart of the
 * edge, in the {@code store.path} file.
 *
 * @param enabled on by default
 * @param maxBytes bound of what it stores; least recently used rows go first
 * @param timeout longest wait for a lookup; a slower tier is skipped (and bypassed after repeated
 *     failures)
 */
public record SqliteTierSettings(boolean enabled, long maxBytes, Duration timeout)
    implements TierBackend.Settings {

  public SqliteTierSettings {
    if (maxBytes < 1024) {
      throw new IllegalArgumentException(
          "tiers.sqlite.maxBytes must be at least 1024: " + maxBytes);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("tiers.sqlite.timeout must be positive: " + timeout);
    }
  }
}
