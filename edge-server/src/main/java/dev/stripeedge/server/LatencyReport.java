package dev.stripeedge.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /admin/latency[?budget=250ms]}: per route template, answers, mean, p50 and p99 (the
 * latency histogram's bucket bounds), whether p99 is within the operator's budget, and the share of
 * the time spent in each stage — {@code cache} (memory lookup), {@code tier} (the tiers below),
 * {@code queue} (waiting for budget), {@code upstream} (Stripe, retries included) and {@code other}
 * (the edge itself and retry backoff) — from {@code stripe.edge.latency} and {@code
 * stripe.edge.stage}, totals since start.
 */
final class LatencyReport {

  static final String PATH = "/admin/latency";
  private static final List<String> STAGES = List.of("cache", "tier", "queue", "upstream");
  private static final Pattern BUDGET = Pattern.compile("(\\d{1,7})(ms|s)");

  private LatencyReport() {}

  /**
   * A budget as the query gives it ({@code 250ms}, {@code 2s}).
   *
   * @throws IllegalArgumentException not a whole number of ms or s
   */
  static Duration parseBudget(String text) {
    Matcher matcher = BUDGET.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "Invalid budget: '" + text + "'. Use a whole number of ms or s, such as 250ms or 2s.");
    }
    long amount = Long.parseLong(matcher.group(1));
    return matcher.group(2).equals("s") ? Duration.ofSeconds(amount) : Duration.ofMillis(amount);
  }

  /** Per route template, each stage's share of its time (the dashboard's column too). */
  static Map<String, Map<String, Double>> stageShares(MeterRegistry metrics) {
    Map<String, Double> seconds = new TreeMap<>();
    for (Timer timer : metrics.find("stripe.edge.latency").timers()) {
      seconds.merge(tagOf(timer, "route"), timer.totalTime(TimeUnit.SECONDS), Double::sum);
    }
    Map<String, Map<String, Double>> stageSeconds = new TreeMap<>();
    for (Timer timer : metrics.find("stripe.edge.stage").timers()) {
      stageSeconds
          .computeIfAbsent(tagOf(timer, "route"), k -> new TreeMap<>())
          .merge(tagOf(timer, "stage"), timer.totalTime(TimeUnit.SECONDS), Double::sum);
    }
    Map<String, Map<String, Double>> shares = new TreeMap<>();
    seconds.forEach((route, total) -> shares.put(route, shares(total, stageSeconds.get(route))));
    return shares;
  }

  /** The report, as the JSON object {@code /admin/latency} answers. */
  static Map<String, Object> of(MeterRegistry metrics, @Nullable Duration budget) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("object", "latency_report");
    json.put("budget_ms", budget == null ? null : budget.toMillis());
    json.put("routes", routes(metrics, budget));
    return json;
  }

  /** The report's rows, one per route template (the dashboard's latency table too). */
  static List<Map<String, Object>> routes(MeterRegistry metrics, @Nullable Duration budget) {
    Map<String, List<HistogramSnapshot>> snapshots = new TreeMap<>();
    for (Timer timer : metrics.find("stripe.edge.latency").timers()) {
      snapshots
          .computeIfAbsent(tagOf(timer, "route"), k -> new ArrayList<>())
          .add(timer.takeSnapshot());
    }
    Map<String, Map<String, Double>> stages = stageShares(metrics);
    List<Map<String, Object>> routes = new ArrayList<>();
    snapshots.forEach(
        (route, routeSnapshots) -> {
          long count = routeSnapshots.stream().mapToLong(HistogramSnapshot::count).sum();
          double p99 = quantileMillis(routeSnapshots, 0.99);
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("route", route);
          double seconds =
              routeSnapshots.stream().mapToDouble(s -> s.total(TimeUnit.SECONDS)).sum();
          row.put("count", count);
          row.put("mean_ms", count == 0 ? 0 : seconds * 1000 / count);
          row.put("p50_ms", quantileMillis(routeSnapshots, 0.50));
          row.put("p99_ms", p99);
          // p99 is a bucket bound (-1: beyond the last), so "within" means the bound is.
          row.put("within_budget", budget == null ? null : p99 >= 0 && p99 <= budget.toMillis());
          row.put("stages", stages.getOrDefault(route, Map.of()));
          routes.add(row);
        });
    return routes;
  }

  /** The smallest bucket bound holding {@code q} of the answers (in ms), -1 beyond the last. */
  static double quantileMillis(List<HistogramSnapshot> snapshots, double q) {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    long count = 0;
    for (HistogramSnapshot snapshot : snapshots) {
      count += snapshot.count();
      for (CountAtBucket bucket : snapshot.histogramCounts()) {
        buckets.merge(bucket.bucket(TimeUnit.MILLISECONDS), bucket.count(), Double::sum);
      }
    }
    if (count == 0) {
      return 0;
    }
    for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
      if (bucket.getValue() >= q * count) {
        return bucket.getKey();
      }
    }
    return -1;
  }

  /** Each stage's share of the route's total time; {@code other} is what none of them holds. */
  private static Map<String, Double> shares(
      @Nullable Double totalSeconds, @Nullable Map<String, Double> stages) {
    Map<String, Double> shares = new LinkedHashMap<>();
    double total = totalSeconds == null ? 0 : totalSeconds;
    double accounted = 0;
    for (String stage : STAGES) {
      double spent = stages == null ? 0 : stages.getOrDefault(stage, 0.0);
      double share = total <= 0 ? 0 : Math.min(1, spent / total);
      shares.put(stage, round(share));
      accounted += share;
    }
    shares.put("other", round(Math.max(0, 1 - accounted)));
    return shares;
  }

  private static double round(double share) {
    return Math.round(share * 1000) / 1000.0;
  }

  private static String tagOf(Timer timer, String name) {
    String value = timer.getId().getTag(name);
    return value == null ? "" : value;
  }
}
