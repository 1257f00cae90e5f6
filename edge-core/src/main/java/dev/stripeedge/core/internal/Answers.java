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

  /** {@code response} as the client gets it, counted from {@code start}. */
  EdgeResponse finish(
      Route route,
      EdgeRequest request,
      EdgeResponse response,
      CacheStatus status,
      ServerTiming timing,
      long start) {
    EdgeResponse answered =
        response.withHeaders(
            Map.of("Cache-Status", status.render(), "Server-Timing", timing.render()));
    metrics.request(
        StripeRoutes.label(route),
        StripeRoutes.methodLabel(request.method()),
        answered.status(),
        status.tag(),
        ticker.nanos() - start);
    return answered;
  }
}
