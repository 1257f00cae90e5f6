package dev.stripeedge.core.queue;

import dev.stripeedge.core.budget.Lane;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The asynchronous writes' meters: outcome counters (front and workers), callback outcomes, and
 * gauges of the queue's state refreshed by each worker round. Thread-safe.
 */
final class AsyncMeters {

  private final MeterRegistry meters;
  private final String backend;
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
  private volatile Map<WriteState, Long> counts = new EnumMap<>(WriteState.class);
  private volatile @Nullable Instant oldest;
  private volatile Map<String, WorkQueue.Backlog> lanes = Map.of();

  AsyncMeters(MeterRegistry meters, String backend, Clock clock) {
    this.meters = meters;
    this.backend = backend;
    for (WriteState state : WriteState.values()) {
      Gauge.builder("stripe.edge.async.writes", () -> counts.getOrDefault(state, 0L).doubleValue())
          .description("asynchronous writes by state")
          .tag("state", state.tag())
          .tag("backend", backend)
          .register(meters);
    }
    Gauge.builder(
            "stripe.edge.async.oldest.seconds",
            () -> {
              Instant first = oldest;
              return first == null
                  ? 0
                  : Duration.between(first, clock.instant()).toMillis() / 1000.0;
            })
        .description("age of the oldest unfinished asynchronous write")
        .tag("backend", backend)
        .register(meters);
    for (Lane lane : Lane.values()) {
      String tag = lane.tag();
      Gauge.builder(
              "stripe.edge.async.lane.depth",
              () -> {
                WorkQueue.Backlog backlog = lanes.get(tag);
                return backlog == null ? 0 : backlog.unfinished();
              })
          .description("unfinished asynchronous writes (queued or in flight) by budget lane")
          .tag("lane", tag)
          .tag("backend", backend)
          .register(meters);
      Gauge.builder(
              "stripe.edge.async.lane.oldest.seconds",
              () -> {
                WorkQueue.Backlog backlog = lanes.get(tag);
                Instant first = backlog == null ? null : backlog.oldest();
                return first == null
                    ? 0
                    : Duration.between(first, clock.instant()).toMillis() / 1000.0;
              })
          .description("age of the oldest unfinished asynchronous write by budget lane")
          .tag("lane", tag)
          .tag("backend", backend)
          .register(meters);
    }
  }

  /** Counts a delivery's {@code outcome} (succeeded, failed, dead, retried) in its {@code lane}. */
  void countInLane(String lane, String outcome) {
    outcomes
        .computeIfAbsent(
            "l" + lane + "/" + outcome,
            k ->
                Counter.builder("stripe.edge.async.lane.outcomes")
                    .description("asynchronous write deliveries by budget lane and outcome")
                    .tag("lane", lane)
                    .tag("outcome", outcome)
                    .tag("backend", backend)
                    .register(meters))
        .increment();
  }

  /** The queue's backlog by lane, as a worker round read it. */
  void lanes(Map<String, WorkQueue.Backlog> lanes) {
    this.lanes = lanes;
  }

  /** Counts one write {@code outcome} (accepted, refused_…, succeeded, failed, dead, retried…). */
  void count(String outcome) {
    outcomes
        .computeIfAbsent(
            "w" + outcome,
            k ->
                Counter.builder("stripe.edge.async.outcomes")
                    .description("asynchronous writes by what happened to them")
                    .tag("outcome", outcome)
                    .tag("backend", backend)
                    .register(meters))
        .increment();
  }

  /** Counts one callback {@code outcome} (delivered, retried, dead, refused). */
  void countCallback(String outcome) {
    outcomes
        .computeIfAbsent(
            "c" + outcome,
            k ->
                Counter.builder("stripe.edge.async.callbacks")
                    .description("completion callbacks by outcome")
                    .tag("outcome", outcome)
                    .register(meters))
        .increment();
  }

  /** The queue's state as a worker round read it. */
  void snapshot(Map<WriteState, Long> counts, @Nullable Instant oldest) {
    this.counts = counts;
    this.oldest = oldest;
  }
}
