package dev.stripeedge.bench.overload;

import dev.stripeedge.bench.overload.OverloadScenario.Outcome;
import dev.stripeedge.bench.overload.OverloadScenario.Result;
import dev.stripeedge.bench.overload.OverloadScenario.RunReport;
import dev.stripeedge.bench.overload.OverloadScenario.Second;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The overload benchmark's summary of one run: per lane outcomes and latencies, upstream calls,
 * 429s and use of the limit, printed as a table and returned for the JSON report.
 */
final class OverloadReport {

  private OverloadReport() {}

  static Map<String, Object> report(RunReport run, int duration, List<Long> baseline) {
    Map<String, Object> out = new LinkedHashMap<>();
    System.out.printf(
        Locale.ROOT,
        "%n== %s (generator max lag %.1f ms)%n%-10s %8s %8s %8s %8s %8s %8s %9s %9s %9s%n",
        run.name(),
        ms(run.maxLagNanos()),
        "lane",
        "offered",
        "ok",
        "429",
        "refused",
        "errors",
        "hits",
        "p50 ms",
        "p99 ms",
        "refusal99");
    Map<Lane, List<Result>> byLane = new EnumMap<>(Lane.class);
    for (Result r : run.results()) {
      byLane.computeIfAbsent(r.lane(), l -> new ArrayList<>()).add(r);
    }
    Map<String, Object> lanes = new LinkedHashMap<>();
    for (Lane lane : Lane.values()) {
      List<Result> rs = byLane.getOrDefault(lane, List.of());
      Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
      for (Outcome o : Outcome.values()) {
        counts.put(o, rs.stream().filter(r -> r.outcome() == o).count());
      }
      List<Long> ok =
          rs.stream().filter(r -> r.outcome() == Outcome.OK).map(Result::latencyNanos).toList();
      List<Long> refused =
          rs.stream()
              .filter(r -> r.outcome() == Outcome.REFUSED)
              .map(Result::latencyNanos)
              .toList();
      long hits = rs.stream().filter(Result::hit).count();
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("offered", rs.size());
      l.put("ok", counts.get(Outcome.OK));
      l.put("rate_limited_429", counts.get(Outcome.RATE_LIMITED));
      l.put("refused_by_edge", counts.get(Outcome.REFUSED));
      l.put("other_errors", counts.get(Outcome.ERROR));
      l.put("cache_hits", hits);
      l.put("ok_p50_ms", ms(percentile(ok, 50)));
      l.put("ok_p99_ms", ms(percentile(ok, 99)));
      l.put("refused_p99_ms", ms(percentile(refused, 99)));
      lanes.put(lane.name().toLowerCase(Locale.ROOT), l);
      System.out.printf(
          Locale.ROOT,
          "%-10s %8d %8d %8d %8d %8d %8d %9.0f %9.0f %9.0f%n",
          lane.name().toLowerCase(Locale.ROOT),
          rs.size(),
          counts.get(Outcome.OK),
          counts.get(Outcome.RATE_LIMITED),
          counts.get(Outcome.REFUSED),
          counts.get(Outcome.ERROR),
          hits,
          ms(percentile(ok, 50)),
          ms(percentile(ok, 99)),
          ms(percentile(refused, 99)));
    }
    out.put("lanes", lanes);
    // Use while demand exceeds the limit: the offered window, without its first 2 s (the
    // simulator's buckets start full and the JIT is cold).
    List<Second> window =
        run.seconds()
            .subList(Math.min(2, run.seconds().size()), Math.min(duration, run.seconds().size()));
    double admitted =
        window.stream().mapToLong(s -> s.calls() - s.rateLimited()).average().orElse(0);
    double attempted = window.stream().mapToLong(Second::calls).average().orElse(0);
    double critP99 =
        ms(
            percentile(
                byLane.getOrDefault(Lane.CRITICAL, List.of()).stream()
                    .filter(r -> r.outcome() == Outcome.OK)
                    .map(Result::latencyNanos)
                    .toList(),
                99));
    double simP99 = ms(percentile(baseline, 99));
    out.put("upstream_calls", run.upstreamCalls());
    out.put("upstream_429", run.upstream429());
    out.put("upstream_429_share", share(run.upstream429(), run.upstreamCalls()));
    out.put("upstream_admitted_per_s", admitted);
    out.put("upstream_attempted_per_s", attempted);
    out.put("upstream_use_of_limit", admitted / OverloadScenario.LIVE_LIMIT);
    out.put("critical_p99_vs_simulator_p99", critP99 / simP99);
    List<Map<String, Object>> perSecond = new ArrayList<>();
    for (Second s : run.seconds()) {
      perSecond.add(Map.of("calls", s.calls(), "upstream_429", s.rateLimited()));
    }
    out.put("upstream_per_second", perSecond);
    Map<String, Object> stages =
        stages(
            byLane.getOrDefault(Lane.CRITICAL, List.of()).stream()
                .filter(r -> r.outcome() == Outcome.OK && r.serverTiming() != null)
                .toList());
    if (!stages.isEmpty()) {
      out.put("critical_stages_ms", stages);
    }
    System.out.printf(
        Locale.ROOT,
        "upstream: %d calls, %d 429s (%.2f%%); seconds 2..%d: %.1f calls/s attempted, %.1f/s"
            + " admitted = %.0f%% of the 100/s limit; critical p99 = %.2fx the simulator's p99%n",
        run.upstreamCalls(),
        run.upstream429(),
        100 * share(run.upstream429(), run.upstreamCalls()),
        duration,
        attempted,
        admitted,
        100 * admitted / OverloadScenario.LIVE_LIMIT,
        critP99 / simP99);
    return out;
  }

  /**
   * Where critical creates' time went, from each answer's {@code Server-Timing}: waiting for budget
   * ({@code queue}), upstream (all attempts), and the rest — the client's latency minus the edge's
   * stages: the generator, the HTTP hop and the edge's own work around the exchange. Medians over
   * all, and means over the slowest 1% (what makes the p99). Printed; returned for the JSON.
   */
  static Map<String, Object> stages(List<Result> critical) {
    if (critical.isEmpty()) {
      return Map.of();
    }
    List<long[]> parts = new ArrayList<>();
    for (Result r : critical) {
      String timing = r.serverTiming();
      long queue = timingNanos(timing, "queue");
      long upstream = timingNanos(timing, "upstream");
      long edge = timingNanos(timing, "cache") + timingNanos(timing, "tier");
      parts.add(
          new long[] {
            r.latencyNanos(), queue, upstream, r.latencyNanos() - queue - upstream - edge
          });
    }
    parts.sort((a, b) -> Long.compare(a[0], b[0]));
    List<long[]> slowest = parts.subList((int) Math.floor(parts.size() * 0.99), parts.size());
    String[] names = {"total", "queue", "upstream", "rest"};
    Map<String, Object> out = new LinkedHashMap<>();
    StringBuilder line =
        new StringBuilder("critical, Server-Timing (median | mean of slowest 1%):");
    for (int i = 0; i < names.length; i++) {
      int column = i;
      List<Long> values = parts.stream().map(p -> p[column]).toList();
      double median = ms(percentile(values, 50));
      double tail = ms((long) slowest.stream().mapToLong(p -> p[column]).average().orElse(0));
      out.put(names[i] + "_p50", median);
      out.put(names[i] + "_slowest1pct_mean", tail);
      line.append(String.format(Locale.ROOT, " %s %.0f | %.0f ms;", names[i], median, tail));
    }
    System.out.println(line);
    return out;
  }

  /** The {@code dur} of metric {@code name} in a {@code Server-Timing} value, in nanoseconds. */
  static long timingNanos(@Nullable String timing, String name) {
    if (timing == null) {
      return 0;
    }
    for (String metric : timing.split(",")) {
      String[] params = metric.strip().split(";");
      if (!params[0].equals(name)) {
        continue;
      }
      for (String param : params) {
        if (param.startsWith("dur=")) {
          return (long) (Double.parseDouble(param.substring(4)) * 1e6);
        }
      }
    }
    return 0;
  }

  private static double share(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }

  static long percentile(List<Long> values, double p) {
    if (values.isEmpty()) {
      return 0;
    }
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }
}
