package dev.stripeedge.store.sqlite;

import java.time.Duration;

/**
 * Settings of a {@link SqliteTier}.
 *
 * @param maxBytes bound of the stored entries (values, keys and ids); least recently used rows go
 *     first when a put crosses it
 * @param clockTolerance how far the clocks of the edges sharing the file may disagree: a put whose
 *     fetch started up to this long after an invalidation of one of its ids is still refused (a
 *     file on one machine has one clock; a network file system would need more)
 * @param markerRetention how long an invalidation marker is kept; longer than the slowest upstream
 *     fetch (the retry deadline) plus the tolerance, or a fill that started before the invalidation
 *     could land after its marker is gone
 * @param maintenanceEvery pause between background passes that purge expired rows and old markers
 * @param readers connections (and threads) serving reads; writes have one of their own
 */
public record SqliteTierConfig(
    long maxBytes,
    Duration clockTolerance,
    Duration markerRetention,
    Duration maintenanceEvery,
    int readers) {

  public SqliteTierConfig {
    if (maxBytes < 1024) {
      throw new IllegalArgumentException("maxBytes must be at least 1024: " + maxBytes);
    }
    if (clockTolerance.isNegative()) {
      throw new IllegalArgumentException("clockTolerance must not be negative: " + clockTolerance);
    }
    if (markerRetention.compareTo(clockTolerance) <= 0) {
      throw new IllegalArgumentException(
          "markerRetention must exceed clockTolerance: %s <= %s"
              .formatted(markerRetention, clockTolerance));
    }
    if (maintenanceEvery.isNegative() || maintenanceEvery.isZero()) {
      throw new IllegalArgumentException("maintenanceEvery must be positive: " + maintenanceEvery);
    }
    if (readers < 1 || readers > 16) {
      throw new IllegalArgumentException("readers must be 1..16: " + readers);
    }
  }

  /**
   * 256 MiB, no clock tolerance (the edges sharing a SQLite file share the machine's clock),
   * markers kept 5 min, maintenance every 30 s, 2 readers.
   */
  public static SqliteTierConfig defaults() {
    return new SqliteTierConfig(
        256L << 20, Duration.ZERO, Duration.ofMinutes(5), Duration.ofSeconds(30), 2);
  }

  public SqliteTierConfig withMaxBytes(long value) {
    return new SqliteTierConfig(value, clockTolerance, markerRetention, maintenanceEvery, readers);
  }

  public SqliteTierConfig withMaintenanceEvery(Duration value) {
    return new SqliteTierConfig(maxBytes, clockTolerance, markerRetention, value, readers);
  }
}
