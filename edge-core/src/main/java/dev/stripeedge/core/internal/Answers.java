package dev.stripeedge.core.internal;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.Ticker;
import java.util.Map;

/**
 * The last stage of every answer: its {@code Cache-Status} and {@code Server-Timing}, and the
 * request metric. Thread-safe; never blocks.
 */
final class Answers {

  private final EdgeMetrics metrics;
  private final Ticker ticker;

  Answers(EdgeMetrics metrics, Ticker ticker) {
    this.metrics = metrics;
    this.ticker = ticker;
  }

  /** {@code response} as the client gets it, counted from {@code start}: not from a cache. */
  EdgeResponse finish(
      Route route,
      EdgeRequest request,
      EdgeResponse response,
      CacheStatus status,
      ServerTiming timing,
      long start) {
    return finish(route, request, response, status, timing, start, -1);
  }

  /**
   * {@code response} as the client gets it, counted from {@code start}.
   *
   * @param ageNanos how long ago a cached answer was fetched, sent as RFC 9111's {@code Age} in
   *     whole seconds; negative for an answer fetched for this request
   */
  EdgeResponse finish(
      Route route,
      EdgeRequest request,
      EdgeResponse response,
      CacheStatus status,
      ServerTiming timing,
      long start,
      long ageNanos) {
    EdgeResponse answered =
        response.withHeaders(
            ageNanos < 0
                ? Map.of("Cache-Status", status.render(), "Server-Timing", timing.render())
                : Map.of(
                    "Cache-Status",
                    status.render(),
                    "Server-Timing",
                    timing.render(),
                    "Age",
                    Long.toString(ageNanos / 1_000_000_000L)));
    String label = StripeRoutes.label(route);
    long nanos = ticker.nanos() - start;
    metrics.request(
        label, StripeRoutes.methodLabel(request.method()), answered.status(), status.tag(), nanos);
    metrics.latency(label, status.tag(), nanos);
    stages(label, timing);
    String resource = label.equals(StripeRoutes.OTHER) ? StripeRoutes.OTHER : route.resource();
    switch (status) {
      case CacheStatus.MemoryHit hit -> metrics.lookup(resource, "memory", true);
      case CacheStatus.Stale stale -> metrics.lookup(resource, "memory", true);
      case CacheStatus.TierHit hit -> {
        metrics.lookup(resource, "memory", false);
        metrics.lookup(resource, "below", true);
      }
      case CacheStatus.Miss miss -> {
        metrics.lookup(resource, "memory", false);
        if (timing.tiers() != null) {
          metrics.lookup(resource, "below", false);
        }
      }
      case CacheStatus.Bypass bypass -> {}
    }
    return answered;
  }

  /** Where the answer's time went, for the latency report's shares. */
  private void stages(String route, ServerTiming timing) {
    metrics.stage(route, "cache", timing.cacheNanos());
    ServerTiming.TierTiming tiers = timing.tiers();
    if (tiers != null) {
      metrics.stage(route, "tier", tiers.nanos());
    }
    Exchange exchange = timing.exchange();
    if (exchange != null) {
      metrics.stage(route, "queue", exchange.queueNanos());
      metrics.stage(route, "upstream", exchange.upstreamNanos());
    }
  }
}
