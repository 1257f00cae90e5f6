package dev.stripeedge.core.budget;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * An account's waiters, one FIFO queue per lane, and the stride scheduling that shares the rate
 * between lanes by weight: each lane has a pass that grows by {@code 1/weight} per admission, and
 * the lane with the lowest pass goes next.
 *
 * <p>Not thread-safe: guarded by its account's monitor.
 */
final class LaneQueues {

  /** Waiters looked at per lane when the head is blocked by its endpoint or object. */
  static final int SCAN = 32;

  private static final Lane[] LANES = Lane.values();

  private final List<ArrayDeque<Waiter>> queues = new ArrayList<>(LANES.length);
  private final double[] pass = new double[LANES.length];
  private final Map<String, Integer> endpointQueued = new HashMap<>();
  private double virtualTime;

  LaneQueues() {
    for (int i = 0; i < LANES.length; i++) {
      queues.add(new ArrayDeque<>());
    }
  }

  void add(Waiter waiter) {
    ArrayDeque<Waiter> queue = queues.get(waiter.lane.ordinal());
    if (queue.isEmpty()) {
      // An idle lane banks no credit: it rejoins at the current virtual time.
      pass[waiter.lane.ordinal()] = Math.max(pass[waiter.lane.ordinal()], virtualTime);
    }
    queue.addLast(waiter);
    endpointQueued.merge(waiter.endpoint, 1, Integer::sum);
  }

  void remove(Waiter waiter) {
    queues.get(waiter.lane.ordinal()).remove(waiter);
    endpointQueued.computeIfPresent(waiter.endpoint, (k, n) -> n == 1 ? null : n - 1);
  }

  boolean isEmpty() {
    for (ArrayDeque<Waiter> queue : queues) {
      if (!queue.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  boolean waiting(Lane lane) {
    return !queues.get(lane.ordinal()).isEmpty();
  }

  /** Waiters in {@code lane}. */
  int size(Lane lane) {
    return queues.get(lane.ordinal()).size();
  }

  /** Waiters for {@code endpoint}, at least 1. */
  int atEndpoint(String endpoint) {
    return endpointQueued.getOrDefault(endpoint, 1);
  }

  /** The sum of the weights of the lanes waiting, and of {@code also}'s. */
  int weightsWaiting(BudgetConfig config, Lane also) {
    int weights = 0;
    for (Lane lane : LANES) {
      if (waiting(lane) || lane == also) {
        weights += config.weight(lane);
      }
    }
    return weights;
  }

  /**
   * The first of the first {@link #SCAN} waiters of {@code lane} that is {@code ready}, or null.
   */
  @Nullable Waiter first(Lane lane, Predicate<Waiter> ready) {
    int looked = 0;
    for (Iterator<Waiter> it = queues.get(lane.ordinal()).iterator();
        it.hasNext() && looked < SCAN;
        looked++) {
      Waiter waiter = it.next();
      if (ready.test(waiter)) {
        return waiter;
      }
    }
    return null;
  }

  /** The least {@code due} over the first {@link #SCAN} waiters of {@code lane}. */
  long soonest(Lane lane, ToLongFunction<Waiter> due) {
    long soonest = Long.MAX_VALUE;
    int looked = 0;
    for (Iterator<Waiter> it = queues.get(lane.ordinal()).iterator();
        it.hasNext() && looked < SCAN;
        looked++) {
      soonest = Math.min(soonest, due.applyAsLong(it.next()));
    }
    return soonest;
  }

  /** Whether {@code lane} goes before {@code other} by stride (ties: the earlier lane). */
  boolean before(Lane lane, Lane other) {
    return pass[lane.ordinal()] < pass[other.ordinal()];
  }

  /** Charges {@code lane} for one admission at {@code weight}. */
  void served(Lane lane, int weight) {
    virtualTime = pass[lane.ordinal()];
    pass[lane.ordinal()] += 1.0 / weight;
  }
}
