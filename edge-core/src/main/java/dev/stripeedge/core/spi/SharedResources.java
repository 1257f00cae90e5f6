package dev.stripeedge.core.spi;

import java.util.function.Supplier;

/**
 * What several backends of one host use together, opened once and closed after all of them: the
 * SQLite file the cache tier, the event store and the cache-key secret share (one writer thread per
 * file, not one per user).
 *
 * <p>Thread-safe.
 */
public interface SharedResources {

  /**
   * The resource known as {@code key}, opened with {@code open} on first use; the host closes it
   * after everything opened later.
   *
   * @throws ClassCastException {@code key} names a resource of another type
   */
  <T extends AutoCloseable> T get(String key, Class<T> type, Supplier<T> open);
}
