package dev.stripeedge.core.internal;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** How a stage drops ids everywhere: every tier, then memory. Thread-safe; never blocks. */
@FunctionalInterface
interface Invalidation {

  /**
   * Drops every entry holding one of {@code ids}, except in memory the entries in {@code
   * replacing}, which the caller replaces at once (see {@link L0Cache#invalidate(String, List)}).
   *
   * @return true once every tier acknowledged (memory's part is done on return)
   */
  CompletableFuture<Boolean> drop(Collection<String> ids, List<L0Cache.Entry> replacing);

  /** Drops every entry holding one of {@code ids}. */
  default CompletableFuture<Boolean> drop(Collection<String> ids) {
    return drop(ids, List.of());
  }
}
