package dev.stripeedge.core.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The pipeline's meters. Names follow Micrometer's dotted style; Prometheus renders them as {@code
 * stripe_edge_requests_seconds} and so on. Tags are bounded: route templates, never paths.
 */
final class EdgeMetrics {

  private final MeterRegistry registry;
  // Builder.register looks the meter up by name and tags each time (a measurable cost per hit);
  // these maps find it by a record of its tags, whose hash combines the tags' cached hashes (a
  // concatenated key was a new string to copy and hash on every answer). Tags are bounded, so
  // are the maps.
  private final Map<RequestTags, Timer> requests = new ConcurrentHashMap<>();
  private final Map<Tags, Timer> upstreams = new ConcurrentHashMap<>();
  private final Map<Tags, Timer> latencies = new ConcurrentHashMap<>();
  private final Map<Tags, Timer> stages = new ConcurrentHashMap<>();
  private final Map<Tags, Counter> lookups = new ConcurrentHashMap<>();

  /** A meter's tag values, as a map key. */
  private record Tags(String a, String b, String c) {
    Tags(String a, String b) {
      this(a, b, "");
    }
  }

  /** A request meter's tag values, as a map key (the status as a number: no string per answer). */
  private record RequestTags(String route, String method, int status, String cache) {}

  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(10)
  };

  EdgeMetrics(MeterRegistry registry, LongSupplier cachedBytes) {
    this.registry = registry;
    Gauge.builder("stripe.edge.cache.bytes", cachedBytes, s -> (double) s.getAsLong())
        .description("Bytes held by the in-memory cache tier")
        .baseUnit("bytes")
        // Micrometer holds the gauge's object weakly; the supplier lambda has no other owner.
        .strongReference(true)
        .register(registry);
  }

  /** One answered request, by route template, method, status and cache result. */
  void request(String route, String method, int status, String cache, long nanos) {
    requests
        .computeIfAbsent(
            new RequestTags(route, method, status, cache),
            k ->
                Timer.builder("stripe.edge.requests")
                    .description("Requests answered by the edge")
                    .tag("route", route)
                    .tag("method", method)
                    .tag("status", Integer.toString(status))
                    .tag("cache", cache)
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * One answer's end-to-end latency by route template and cache outcome, in a few fixed buckets (1
   * ms to 10 s): a histogram Prometheus can take quantiles of, without a series per status.
   */
  void latency(String route, String cache, long nanos) {
    latencies
        .computeIfAbsent(
            new Tags(route, cache),
            k ->
                Timer.builder("stripe.edge.latency")
                    .description(
                        "End-to-end latency of answers, by route template and cache outcome")
                    .tag("route", route)
                    .tag("cache", cache)
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * One cacheable read asked of a tier: {@code memory}, or {@code below} (the tiers under memory
   * together), and whether it answered. {@code resource} is a Stripe resource name or {@code
   * other}. Hit ratio = hits / all, per resource and tier.
   */
  void lookup(String resource, String tier, boolean hit) {
    String result = hit ? "hit" : "miss";
    lookups
        .computeIfAbsent(
            new Tags(resource, tier, result),
            k ->
                Counter.builder("stripe.edge.cache.reads")
                    .description(
                        "Cacheable reads asked of a tier (memory, or the tiers below it), by result")
                    .tag("resource", resource)
                    .tag("tier", tier)
                    .tag("result", result)
                    .register(registry))
        .increment();
  }

  /**
   * Time one answer spent in {@code stage} ({@code cache}: the memory lookup, {@code tier}: the
   * tiers below it, {@code queue}: waiting for budget, {@code upstream}: the exchange with its
   * retries), by route template: the sums say where a route's time goes (no histogram: shares only,
   * the latency histogram has the quantiles).
   */
  void stage(String route, String stage, long nanos) {
    stages
        .computeIfAbsent(
            new Tags(route, stage),
            k ->
                Timer.builder("stripe.edge.stage")
                    .description("Time answers spent in each stage, by route template")
                    .tag("route", route)
                    .tag("stage", stage)
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** One upstream attempt, by route template and outcome (a status, or the failure kind). */
  void upstream(String route, String outcome, long nanos) {
    upstreams
        .computeIfAbsent(
            new Tags(route, outcome),
            k ->
                Timer.builder("stripe.edge.upstream")
                    .description("Upstream attempts")
                    .tag("route", route)
                    .tag("outcome", outcome)
                    .publishPercentileHistogram()
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** One retry scheduled. */
  void retry(String route) {
    Counter.builder("stripe.edge.retries")
        .description("Upstream attempts retried")
        .tag("route", route)
        .register(registry)
        .increment();
  }

  /** One cached retrieve refreshed with an event's copy of its object. */
  void refreshedFromEvent() {
    Counter.builder("stripe.edge.cache.event.refreshes")
        .description("Cached retrieves refreshed with an event's copy of their object")
        .register(registry)
        .increment();
  }

  /** An event in the same second as the last one applied to its object: ordered or not. */
  void eventTie(boolean ordered) {
    Counter.builder("stripe.edge.cache.event.ties")
        .description(
            "Events in the same second as their object's last, by whether they were ordered")
        .tag("outcome", ordered ? "ordered" : "unknown")
        .register(registry)
        .increment();
  }
}
