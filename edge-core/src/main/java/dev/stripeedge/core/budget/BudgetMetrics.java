package dev.stripeedge.core.budget;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The shaper's meters, summed over accounts (account tags would be unbounded): per lane queue
 * depth, wait, admitted and refused; attempts in flight; AIMD cuts by limiter; under forecasting,
 * forecast and actual attempts per lane and the critical reserve.
 */
final class BudgetMetrics {

  private final MeterRegistry registry;
  private final Map<Lane, AtomicInteger> queued = new EnumMap<>(Lane.class);
  private final Map<Lane, Timer> waits = new EnumMap<>(Lane.class);
  private final Map<Lane, Counter> admitted = new EnumMap<>(Lane.class);
  private final Map<String, Counter> refused = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  BudgetMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (Lane lane : Lane.values()) {
      AtomicInteger depth = new AtomicInteger();
      queued.put(lane, depth);
      Gauge.builder("stripe.edge.budget.queue", depth, AtomicInteger::get)
          .description("Upstream attempts waiting for budget")
          .tag("lane", lane.tag())
          .register(registry);
      waits.put(
          lane,
          Timer.builder("stripe.edge.budget.wait")
              .description("Time upstream attempts waited for budget")
              .tag("lane", lane.tag())
              .publishPercentileHistogram()
              .register(registry));
      admitted.put(
          lane,
          Counter.builder("stripe.edge.budget.admitted")
              .description("Upstream attempts admitted")
              .tag("lane", lane.tag())
              .register(registry));
    }
    Gauge.builder("stripe.edge.budget.in.flight", inFlight, AtomicInteger::get)
        .description("Upstream attempts holding budget")
        .register(registry);
  }

  /**
   * Registers the forecasting gauges, read from the shaper on each scrape: per lane what was
   * forecast for the last whole second and what arrived in it, and the rate reserved for critical.
   */
  void forecasts(
      ToDoubleFunction<Lane> predicted, ToDoubleFunction<Lane> arrivals, DoubleSupplier reserve) {
    for (Lane lane : Lane.values()) {
      Gauge.builder("stripe.edge.budget.forecast", () -> predicted.applyAsDouble(lane))
          .description("Attempts per second forecast for the last whole second")
          .tag("lane", lane.tag())
          .register(registry);
      Gauge.builder("stripe.edge.budget.arrivals", () -> arrivals.applyAsDouble(lane))
          .description("Attempts that arrived in the last whole second")
          .tag("lane", lane.tag())
          .register(registry);
    }
    Gauge.builder("stripe.edge.budget.reserve", reserve::getAsDouble)
        .description("Attempts per second reserved for the critical lane")
        .register(registry);
  }

  /** Registers the gauge of the accounts the shaper holds state for. */
  void accounts(IntSupplier count) {
    Gauge.builder("stripe.edge.budget.accounts", count::getAsInt)
        .description("Accounts the budget holds state for (idle ones are forgotten)")
        .register(registry);
  }

  /** {@code count} idle accounts forgotten by one sweep. */
  void forgotten(int count) {
    Counter.builder("stripe.edge.budget.accounts.forgotten")
        .description("Idle accounts whose state the budget dropped")
        .register(registry)
        .increment(count);
  }

  void enqueued(Lane lane) {
    forLane(queued, lane).incrementAndGet();
  }

  void admitted(Lane lane, long waitedNanos) {
    forLane(queued, lane).decrementAndGet();
    forLane(waits, lane).record(waitedNanos, TimeUnit.NANOSECONDS);
    forLane(admitted, lane).increment();
    inFlight.incrementAndGet();
  }

  // Every lane's meters are registered in the constructor: a missing one is a bug here.
  private static <T> T forLane(Map<Lane, T> byLane, Lane lane) {
    T meter = byLane.get(lane);
    if (meter == null) {
      throw new IllegalStateException("no budget meter for lane " + lane);
    }
    return meter;
  }

  void released() {
    inFlight.decrementAndGet();
  }

  /** A refusal: {@code estimate} at arrival, {@code deadline} after waiting. */
  void refused(Lane lane, String reason) {
    forLane(queued, lane).decrementAndGet();
    refused
        .computeIfAbsent(
            lane.tag() + ' ' + reason,
            k ->
                Counter.builder("stripe.edge.budget.refused")
                    .description("Upstream attempts refused by the budget")
                    .tag("lane", lane.tag())
                    .tag("reason", reason)
                    .register(registry))
        .increment();
  }

  /** An AIMD cut of {@code limiter} ({@code global-rate}, {@code endpoint-rate}…). */
  void cut(String limiter) {
    Counter.builder("stripe.edge.budget.cuts")
        .description("Limits cut after an upstream 429")
        .tag("limiter", limiter)
        .register(registry)
        .increment();
  }

  /**
   * Registers the gauges of a budget shared through a store: whether tokens come from the store (1)
   * or the local fair share (0), and the live edges last heard of.
   */
  void sharing(IntSupplier shared, IntSupplier edges) {
    Gauge.builder("stripe.edge.budget.shared", shared::getAsInt)
        .description("1 while the budget is shared through the store, 0 on the local fair share")
        .register(registry);
    Gauge.builder("stripe.edge.budget.shared.edges", edges::getAsInt)
        .description("Edge instances sharing the budget, as last heard from the store")
        .register(registry);
  }

  /** A lease answered with {@code tokens} (0: the bucket was empty), or failed ({@code -1}). */
  void lease(int tokens) {
    String outcome = tokens > 0 ? "granted" : tokens == 0 ? "empty" : "failed";
    Counter.builder("stripe.edge.budget.shared.leases")
        .description("Leases of shared tokens asked for, by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
    if (tokens > 0) {
      Counter.builder("stripe.edge.budget.shared.tokens")
          .description("Tokens leased from the shared budget")
          .register(registry)
          .increment(tokens);
    }
  }

  /** Leased tokens that expired unspent. */
  void leaseExpired(int tokens) {
    Counter.builder("stripe.edge.budget.shared.expired")
        .description("Leased tokens that expired unspent")
        .register(registry)
        .increment(tokens);
  }

  /** The edge moved to the shared budget ({@code true}) or to its local fair share. */
  void fallback(boolean toShared) {
    Counter.builder("stripe.edge.budget.shared.transitions")
        .description("Moves between the shared budget and the local fair share")
        .tag("to", toShared ? "shared" : "local")
        .register(registry)
        .increment();
  }
}
