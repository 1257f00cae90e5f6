package dev.stripeedge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What {@code stripe-edge advise} is given: Stripe calls per second by route, how many the cache
 * answered and how long an answer and Stripe took, read from the edge's {@code /metrics} or written
 * by hand as a traffic profile.
 *
 * @param routes by route ({@code GET /v1/customers/{id}}), busiest first
 * @param workingSetBytes95 bytes the memory tier needs for a 95 % hit ratio (the sizing report),
 *     null when unknown or not reachable yet
 * @param source where it came from, for the report's first line
 */
record Traffic(List<Route> routes, @Nullable Double workingSetBytes95, String source) {

  private static final Set<String> ANSWERED_BY_CACHE = Set.of("hit", "stale", "tier");

  /**
   * One route.
   *
   * @param perSecond Stripe calls the application makes per second
   * @param hitRatio share of them the cache answers (0 for writes)
   * @param answerMillis mean time an answer takes through the edge (hits and misses)
   * @param upstreamMillis mean time Stripe takes when asked: every call's wait without the cache
   */
  record Route(
      String route, double perSecond, double hitRatio, double answerMillis, double upstreamMillis) {

    /** Cache misses per second: what reaches Stripe, and what a tier below memory stores. */
    double missesPerSecond() {
      return perSecond * (1 - hitRatio);
    }
  }

  /** Calls per second over every route. */
  double perSecond() {
    return routes.stream().mapToDouble(Route::perSecond).sum();
  }

  /** The mean of {@code value} over calls (weighted by each route's rate); 0 without calls. */
  double perCall(java.util.function.ToDoubleFunction<Route> value) {
    double total = perSecond();
    return total == 0
        ? 0
        : routes.stream().mapToDouble(r -> r.perSecond() * value.applyAsDouble(r)).sum() / total;
  }

  /**
   * From a {@code /metrics} capture: the requests timer ({@code stripe_edge_requests_seconds}, by
   * route, method and cache result), the upstream timer ({@code stripe_edge_upstream_seconds}) and
   * the memory tier's sizing gauge, over {@code windowSeconds} (null: the process's uptime in the
   * capture).
   *
   * @throws IllegalArgumentException a capture without the edge's meters or without a window
   */
  static Traffic fromMetrics(PrometheusText metrics, @Nullable Double windowSeconds, String from) {
    List<PrometheusText.Sample> counts = metrics.named("stripe_edge_requests_seconds_count");
    if (counts.isEmpty()) {
      throw new IllegalArgumentException(
          from + " has no stripe_edge_requests_seconds: is it a stripe-edge /metrics capture?");
    }
    double window;
    if (windowSeconds != null) {
      window = windowSeconds;
    } else {
      window = metrics.sum("process_uptime_seconds", s -> true);
      if (!(window > 0)) {
        throw new IllegalArgumentException(
            from + " has no process_uptime_seconds: say how long it covers with --window");
      }
    }
    double allUpstreamCount = metrics.sum("stripe_edge_upstream_seconds_count", s -> true);
    double allUpstreamSum = metrics.sum("stripe_edge_upstream_seconds_sum", s -> true);
    Map<String, double[]> byRoute = new LinkedHashMap<>();
    for (PrometheusText.Sample count : counts) {
      String route = count.label("route");
      String key = count.label("method") + " " + route;
      double[] row = byRoute.computeIfAbsent(key, k -> new double[3]);
      row[0] += count.value();
      if (ANSWERED_BY_CACHE.contains(count.label("cache"))) {
        row[1] += count.value();
      }
      row[2] +=
          metrics.sum("stripe_edge_requests_seconds_sum", s -> s.labels().equals(count.labels()));
    }
    List<Route> routes = new ArrayList<>();
    for (Map.Entry<String, double[]> entry : byRoute.entrySet()) {
      double[] row = entry.getValue();
      if (row[0] == 0) {
        continue;
      }
      String route = entry.getKey().substring(entry.getKey().indexOf(' ') + 1);
      double upCount =
          metrics.sum("stripe_edge_upstream_seconds_count", s -> s.label("route").equals(route));
      double upSum =
          metrics.sum("stripe_edge_upstream_seconds_sum", s -> s.label("route").equals(route));
      // A route Stripe never answered (every call a hit) waits as long as Stripe does on average.
      double upstream =
          upCount > 0
              ? upSum / upCount * 1000
              : allUpstreamCount > 0 ? allUpstreamSum / allUpstreamCount * 1000 : 0;
      routes.add(
          new Route(
              entry.getKey(), row[0] / window, row[1] / row[0], row[2] / row[0] * 1000, upstream));
    }
    routes.sort((a, b) -> Double.compare(b.perSecond(), a.perSecond()));
    Double bytes95 = null;
    for (PrometheusText.Sample gauge : metrics.named("stripe_edge_sizing_bytes")) {
      if (gauge.label("tier").equals("memory")
          && gauge.label("hit_ratio").equals("0.95")
          && Double.isFinite(gauge.value())) {
        bytes95 = gauge.value();
      }
    }
    return new Traffic(
        routes, bytes95, from + String.format(java.util.Locale.ROOT, " over %.0f s", window));
  }

  /**
   * From a traffic profile (JSON): {@code {"routes": [{"route": "GET /v1/customers/{id}",
   * "requests_per_second": 40, "hit_ratio": 0.9, "upstream_ms": 320, "hit_ms": 0.2}],
   * "working_set_bytes_95": 50000000}}. An answer through the edge is then a hit's time or
   * Stripe's, by the hit ratio.
   *
   * @throws IllegalArgumentException a missing or out-of-range field, named
   */
  static Traffic fromProfile(String json, String from) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    if (root == null || !root.path("routes").isArray() || root.path("routes").isEmpty()) {
      throw new IllegalArgumentException(from + " needs a non-empty \"routes\" list");
    }
    List<Route> routes = new ArrayList<>();
    for (JsonNode node : root.path("routes")) {
      String route = node.path("route").asText("");
      double rate = field(node, "requests_per_second", from, Double.MAX_VALUE);
      double hit = field(node, "hit_ratio", from, 1);
      double upstream = field(node, "upstream_ms", from, Double.MAX_VALUE);
      double hitMillis = node.has("hit_ms") ? field(node, "hit_ms", from, Double.MAX_VALUE) : 0.2;
      if (route.isBlank()) {
        throw new IllegalArgumentException(from + ": each route needs \"route\"");
      }
      routes.add(new Route(route, rate, hit, hit * hitMillis + (1 - hit) * upstream, upstream));
    }
    routes.sort((a, b) -> Double.compare(b.perSecond(), a.perSecond()));
    JsonNode bytes = root.path("working_set_bytes_95");
    return new Traffic(routes, bytes.isNumber() ? bytes.asDouble() : null, from);
  }

  private static double field(JsonNode node, String name, String from, double max) {
    JsonNode value = node.path(name);
    if (!value.isNumber() || value.asDouble() < 0 || value.asDouble() > max) {
      throw new IllegalArgumentException(
          from + ": \"" + name + "\" must be a number from 0" + (max == 1 ? " to 1" : ""));
    }
    return value.asDouble();
  }
}
