package dev.stripeedge.core.internal;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/** How a stage drops ids everywhere: every tier, then memory. Thread-safe; never blocks. */
@FunctionalInterface
interface Invalidation {

  /**
   * Drops every entry holding one of {@code ids}.
   *
   * @return true once every tier acknowledged (memory's part is done on return)
   */
  CompletableFuture<Boolean> drop(Collection<String> ids);
}
