package dev.stripeedge.server;

import static dev.stripeedge.server.HttpAnswers.error;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.SizingReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The operator's page on the admin listener: {@code GET /admin/dashboard} (HTML, no framework, no
 * CDN: its script and style are served from here), and {@code GET /admin/summary}, the JSON it
 * polls, read from the same meters as {@code /metrics}: cache reads per resource and tier, upstream
 * attempts by outcome, budget use per lane against the limit, 429s, latency per route (p50/p99 from
 * the latency buckets, share of time upstream), reconciliation passes, event lag (creation at
 * Stripe to every tier, by source), the sizing curve and readiness. Counters are totals since
 * start; the page turns them into rates between polls.
 */
final class Dashboard {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> ASSETS =
      Map.of(
          "/admin/dashboard", "text/html; charset=utf-8",
          "/admin/dashboard.js", "text/javascript; charset=utf-8",
          "/admin/dashboard.css", "text/css; charset=utf-8");

  private final MeterRegistry metrics;
  private final EdgePipeline pipeline;
  private final double limitPerSecond;
  private final Supplier<Readiness.State> readiness;
  private final Map<String, byte[]> assets = new TreeMap<>();

  /**
   * @param limitPerSecond the budget's global rate (Stripe's limit the edge spends), 0 when the
   *     budget is off
   */
  Dashboard(
      MeterRegistry metrics,
      EdgePipeline pipeline,
      double limitPerSecond,
      Supplier<Readiness.State> readiness) {
    this.metrics = metrics;
    this.pipeline = pipeline;
    this.limitPerSecond = limitPerSecond;
    this.readiness = readiness;
    for (String path : ASSETS.keySet()) {
      String file = path.equals("/admin/dashboard") ? "dashboard.html" : path.substring(7);
      try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + file)) {
        if (in == null) {
          throw new IllegalStateException("dashboard/" + file + " is missing from the class path");
        }
        assets.put(path, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  boolean handles(String path) {
    return ASSETS.containsKey(path)
        || path.equals("/admin/summary")
        || path.equals(LatencyReport.PATH);
  }

  void handle(HttpServerRequest request, String path) {
    if (request.method() != HttpMethod.GET) {
      request.response().putHeader("Allow", "GET");
      error(request.response(), 405, "invalid_request_error", null, "Use GET on " + path + ".");
      return;
    }
    if (path.equals(LatencyReport.PATH)) {
      latency(request);
      return;
    }
    if (path.equals("/admin/summary")) {
      try {
        request
            .response()
            .putHeader("Content-Type", "application/json")
            .putHeader("Cache-Control", "no-store")
            .end(summaryJson());
      } catch (IOException | RuntimeException e) {
        error(request.response(), 500, "api_error", null, "The edge could not summarize.");
      }
      return;
    }
    request
        .response()
        .putHeader("Content-Type", ASSETS.get(path))
        // Nothing from elsewhere: no CDN, no inline script, no framing.
        .putHeader(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
                + " img-src 'self' data:; frame-ancestors 'none'")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(io.vertx.core.buffer.Buffer.buffer(assets.get(path)));
  }

  private void latency(HttpServerRequest request) {
    String budgetParam = request.getParam("budget");
    Duration budget;
    try {
      budget = budgetParam == null ? null : LatencyReport.parseBudget(budgetParam);
    } catch (IllegalArgumentException e) {
      error(request.response(), 400, "invalid_request_error", null, String.valueOf(e.getMessage()));
      return;
    }
    try {
      request
          .response()
          .putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-store")
          .end(JSON.writeValueAsString(LatencyReport.of(metrics, budget)));
    } catch (IOException | RuntimeException e) {
      error(request.response(), 500, "api_error", null, "The edge could not report latency.");
    }
  }

  /** The summary the page polls. */
  String summaryJson() throws IOException {
    Map<String, @Nullable Object> json = new java.util.LinkedHashMap<>();
    json.put("object", "summary");
    Readiness.State state = readiness.get();
    json.put("ready", state.ready());
    json.put("ready_reason", state.reason());
    json.put("uptime_seconds", gauge("process.uptime"));
    json.put("cache", cacheReads());
    json.put("upstream", countsByTag(timers("stripe.edge.upstream"), "outcome"));
    json.put("retries", sum(counters("stripe.edge.retries")));
    Map<String, Object> budget = new java.util.LinkedHashMap<>();
    budget.put("limit_per_second", limitPerSecond);
    budget.put("admitted", countersByTag(counters("stripe.edge.budget.admitted"), "lane"));
    budget.put("refused", countersByTag(counters("stripe.edge.budget.refused"), "lane"));
    json.put("budget", budget);
    json.put("routes", routes());
    json.put("reconcile", countersByTag(counters("stripe.edge.reconcile"), "outcome"));
    json.put("webhooks_refused", sum(counters("stripe.edge.webhooks.refused")));
    json.put("event_lag", eventLag());
    json.put("sizing", sizing());
    return JSON.writeValueAsString(json);
  }

  private List<Map<String, Object>> cacheReads() {
    Map<String, Map<String, Object>> rows = new TreeMap<>();
    for (Counter counter : counters("stripe.edge.cache.reads")) {
      String resource = tag(counter, "resource");
      String tier = tag(counter, "tier");
      Map<String, Object> row =
          rows.computeIfAbsent(
              resource + ' ' + tier,
              k -> {
                Map<String, Object> fresh = new java.util.LinkedHashMap<>();
                fresh.put("resource", resource);
                fresh.put("tier", tier);
                fresh.put("hits", 0L);
                fresh.put("misses", 0L);
                return fresh;
              });
      String field = tag(counter, "result").equals("hit") ? "hits" : "misses";
      row.merge(field, (long) counter.count(), (a, b) -> (long) a + (long) b);
    }
    return new ArrayList<>(rows.values());
  }

  /**
   * Per route: the latency report's row (answers, mean, p50/p99, each stage's share), with the
   * upstream stage's share as the page's bar.
   */
  private List<Map<String, Object>> routes() {
    List<Map<String, Object>> rows = LatencyReport.routes(metrics, null);
    for (Map<String, Object> row : rows) {
      Object stages = row.get("stages");
      row.put(
          "upstream_share",
          stages instanceof Map<?, ?> shares && shares.get("upstream") instanceof Double up
              ? up
              : 0.0);
    }
    return rows;
  }

  /**
   * Per source ({@code webhook}, {@code reconcile}): events applied and the p50/p99 of their lag
   * from creation at Stripe to every tier, in seconds (bucket bounds).
   */
  private Map<String, Map<String, Object>> eventLag() {
    Map<String, Map<String, Object>> bySource = new TreeMap<>();
    for (Timer timer : timers("stripe.edge.events.lag")) {
      HistogramSnapshot snapshot = timer.takeSnapshot();
      Map<String, Object> row = new java.util.LinkedHashMap<>();
      row.put("count", snapshot.count());
      row.put("p50_s", LatencyReport.quantileMillis(List.of(snapshot), 0.50) / 1000);
      row.put("p99_s", LatencyReport.quantileMillis(List.of(snapshot), 0.99) / 1000);
      bySource.put(tag(timer, "source"), row);
    }
    return bySource;
  }

  private Map<String, Object> sizing() {
    SizingReport.Tier memory = pipeline.sizing().memory();
    List<Map<String, Object>> curve = new ArrayList<>();
    for (SizingReport.Point point : memory.curve()) {
      curve.add(Map.of("bytes", point.bytes(), "hit_ratio", point.hitRatio()));
    }
    Map<String, Object> json = new java.util.LinkedHashMap<>();
    json.put("tier", memory.tier());
    json.put("references", memory.references());
    json.put("max_bytes", memory.maxBytes());
    json.put("curve", curve);
    return json;
  }

  private List<Timer> timers(String name) {
    return new ArrayList<>(metrics.find(name).timers());
  }

  private List<Counter> counters(String name) {
    return new ArrayList<>(metrics.find(name).counters());
  }

  private double gauge(String name) {
    Gauge gauge = metrics.find(name).gauge();
    return gauge == null ? 0 : gauge.value();
  }

  private static String tag(io.micrometer.core.instrument.Meter meter, String name) {
    String value = meter.getId().getTag(name);
    return value == null ? "" : value;
  }

  private static Map<String, Long> countsByTag(List<Timer> timers, String name) {
    Map<String, Long> out = new TreeMap<>();
    timers.forEach(timer -> out.merge(tag(timer, name), timer.count(), Long::sum));
    return out;
  }

  private static Map<String, Long> countersByTag(List<Counter> counters, String name) {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach(counter -> out.merge(tag(counter, name), (long) counter.count(), Long::sum));
    return out;
  }

  private static long sum(List<Counter> counters) {
    long total = 0;
    for (Counter counter : counters) {
      total += (long) counter.count();
    }
    return total;
  }
}
