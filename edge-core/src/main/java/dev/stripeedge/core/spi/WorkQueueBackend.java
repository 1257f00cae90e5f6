package dev.stripeedge.core.spi;

import dev.stripeedge.core.queue.WorkQueue;

/**
 * Where asynchronous writes wait for their workers: a durable queue, found by the name of the store
 * backend ({@code store.backend: sqlite}).
 */
public interface WorkQueueBackend {

  /** The name in configuration, e.g. {@code sqlite}. */
  String name();

  /** Opens (creates) the queue; the caller closes it. */
  WorkQueue open(StoreContext context);
}
