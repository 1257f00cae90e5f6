package dev.stripeedge.core.spi;

import dev.stripeedge.core.queue.WorkQueue;
import java.util.Map;

/**
 * Where asynchronous writes wait for their workers: a durable queue, found by its name ({@code
 * asyncWrites.queue: sqlite}); its own settings are {@code asyncWrites.queueOptions}.
 */
public interface WorkQueueBackend {

  /** The name in configuration, e.g. {@code sqlite}. */
  String name();

  /**
   * Opens (creates) the queue; the caller closes it.
   *
   * @param options {@code asyncWrites.queueOptions}
   * @throws IllegalArgumentException an option it does not know, or a bad value (named)
   */
  WorkQueue open(StoreContext context, Map<String, String> options);
}
