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

  void enqueued(Lane lane) {
    queued.get(lane).incrementAndGet();
  }

  void admitted(Lane lane, long waitedNanos) {
    queued.get(lane).decrementAndGet();
    waits.get(lane).record(waitedNanos, TimeUnit.NANOSECONDS);
    admitted.get(lane).increment();
    inFlight.incrementAndGet();
  }

  void released() {
    inFlight.decrementAndGet();
  }

  /** A refusal: {@code estimate} at arrival, {@code deadline} after waiting. */
  void refused(Lane lane, String reason) {
    queued.get(lane).decrementAndGet();
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
}
