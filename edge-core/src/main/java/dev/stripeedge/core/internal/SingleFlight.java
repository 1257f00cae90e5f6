package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The stage that lets concurrent misses of one key share one upstream exchange. Thread-safe; never
 * blocks.
 */
final class SingleFlight {

  /**
   * A miss in flight that later misses for the same key may join.
   *
   * @param token taken before the upstream call
   * @param result the exchange and whether its answer was stored
   */
  record Flight(L0Cache.FillToken token, CompletableFuture<Filled> result) {}

  /** An exchange's end, and whether its answer was stored. */
  record Filled(Exchange exchange, boolean stored) {}

  /** The flight a miss waits on, and whether it joined one already in flight. */
  record Joined(Flight flight, boolean collapsed) {}

  private final L0Cache l0;
  private final ConcurrentHashMap<CacheKey, Flight> flights = new ConcurrentHashMap<>();

  SingleFlight(L0Cache l0) {
    this.l0 = l0;
  }

  /**
   * Joins the miss in flight for {@code key}, or starts one running {@code work} with its fill
   * token. A flight that started before any invalidation is not joined: its answer may predate a
   * write this request must see. The flight leaves the map before its result completes.
   */
  Joined join(CacheKey key, Function<L0Cache.FillToken, CompletableFuture<Filled>> work) {
    Flight mine = new Flight(l0.beginFill(), new CompletableFuture<>());
    Flight chosen =
        flights.compute(
            key,
            (k, current) ->
                current != null && !l0.invalidatedSince(current.token()) ? current : mine);
    if (chosen != mine) {
      return new Joined(chosen, true);
    }
    CompletableFuture<Filled> running;
    try {
      running = work.apply(mine.token());
    } catch (RuntimeException e) {
      running = CompletableFuture.failedFuture(e);
    }
    running.whenComplete(
        (filled, bug) -> {
          flights.remove(key, mine);
          mine.result().complete(bug != null ? new Filled(Exchange.failed(bug), false) : filled);
        });
    return new Joined(mine, false);
  }
}
