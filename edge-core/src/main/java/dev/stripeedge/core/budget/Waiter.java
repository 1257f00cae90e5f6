package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** A request waiting for, then holding, an account's budget. Guarded by its account's monitor. */
final class Waiter implements Permit {
  final AccountBudget account;
  final Lane lane;
  final String endpoint;
  final @Nullable String object;
  final long arrivedNanos;
  final long deadlineNanos;
  final CompletableFuture<Admission> future = new CompletableFuture<>();
  private final Ticker ticker;
  // Guarded by account.
  boolean done;
  boolean holdsObject;
  boolean released;
  long queuedNanos;

  Waiter(
      AccountBudget account,
      Lane lane,
      String endpoint,
      @Nullable String object,
      long arrivedNanos,
      long deadlineNanos,
      Ticker ticker) {
    this.account = account;
    this.lane = lane;
    this.endpoint = endpoint;
    this.object = object;
    this.arrivedNanos = arrivedNanos;
    this.deadlineNanos = deadlineNanos;
    this.ticker = ticker;
  }

  @Override
  public Lane lane() {
    return lane;
  }

  @Override
  public long queuedNanos() {
    synchronized (account) {
      return queuedNanos;
    }
  }

  @Override
  public void release(@Nullable EdgeResponse response) {
    List<Runnable> actions = new ArrayList<>(2);
    synchronized (account) {
      if (released) {
        return;
      }
      released = true;
      account.release(this, response, ticker.nanos(), actions);
    }
    actions.forEach(Runnable::run);
  }
}
