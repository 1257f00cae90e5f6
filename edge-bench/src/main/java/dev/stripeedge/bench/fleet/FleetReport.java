package dev.stripeedge.bench.fleet;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.stripeedge.bench.fleet.FleetEdges.LeaderChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What one fleet phase measured, printed as lines for docs/benchmarks.md, JSON and bar rows. */
final class FleetReport {

  private FleetReport() {}

  /** One phase: a fleet of edges with one retention, its event store on one engine. */
  record Outcome(
      String name,
      String store,
      int events,
      int forwardedOnce,
      int forwardedMore,
      int notForwarded,
      double appliedNew,
      double duplicates,
      double reapplied,
      List<LeaderChange> leaders,
      long killNanos,
      boolean killedLeader,
      List<Double> freshnessMillis,
      int unseen,
      int acrossRestart,
      long reads,
      long failedReads,
      long edgeRegressions,
      long fleetRegressions,
      long upstreamRetrieves,
      double retainedServed,
      double retainedRevalidated,
      long[] delivered,
      long refused) {

    double percentile(double p) {
      if (freshnessMillis.isEmpty()) {
        return Double.NaN;
      }
      List<Double> sorted = freshnessMillis.stream().sorted().toList();
      int index = (int) Math.ceil(p / 100 * sorted.size()) - 1;
      return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    double upstreamPerThousand() {
      return reads == 0 ? Double.NaN : upstreamRetrieves * 1000.0 / reads;
    }

    /** Times an edge took the lease after the first leader (it reports leading and did not). */
    int leaderChanges() {
      int takes = 0;
      Set<Integer> last = Set.of();
      for (LeaderChange change : leaders) {
        for (int edge : change.leaders()) {
          if (!last.contains(edge)) {
            takes++;
          }
        }
        last = change.leaders();
      }
      return Math.max(0, takes - 1);
    }

    /** Each spell with no edge reporting the lease, after the first leader, in ms. */
    List<Double> gapsMillis() {
      List<Double> gaps = new ArrayList<>();
      boolean led = false;
      long emptySince = -1;
      for (LeaderChange change : leaders) {
        if (change.leaders().isEmpty()) {
          if (led && emptySince < 0) {
            emptySince = change.nanos();
          }
        } else {
          led = true;
          if (emptySince >= 0) {
            gaps.add((change.nanos() - emptySince) / 1e6);
            emptySince = -1;
          }
        }
      }
      return gaps;
    }

    /** Time two edges or more reported the lease at once (the old one learns at its next run). */
    double overlapMillis() {
      double total = 0;
      for (int i = 0; i + 1 < leaders.size(); i++) {
        if (leaders.get(i).leaders().size() > 1) {
          total += (leaders.get(i + 1).nanos() - leaders.get(i).nanos()) / 1e6;
        }
      }
      return total;
    }
  }

  static void print(List<Outcome> outcomes, long leaseMillis) {
    System.out.printf(
        Locale.ROOT,
        "%n%-22s %7s %6s %6s %6s %7s %8s %8s %8s %8s %7s %7s %7s %9s %8s%n",
        "phase",
        "events",
        "once",
        "twice+",
        "never",
        "leaders",
        "gap ms",
        "p50 ms",
        "p99 ms",
        "reads",
        "reg/ed",
        "reg/fl",
        "unseen",
        "up/1k rd",
        "retained");
    for (Outcome o : outcomes) {
      System.out.printf(
          Locale.ROOT,
          "%-22s %7d %6d %6d %6d %7d %8s %8.0f %8.0f %8d %7d %7d %7d %9.1f %8.0f%n",
          o.name() + " (" + o.store() + ")",
          o.events(),
          o.forwardedOnce(),
          o.forwardedMore(),
          o.notForwarded(),
          o.leaderChanges(),
          gaps(o.gapsMillis()),
          o.percentile(50),
          o.percentile(99),
          o.reads(),
          o.edgeRegressions(),
          o.fleetRegressions(),
          o.unseen(),
          o.upstreamPerThousand(),
          o.retainedServed());
    }
    for (Outcome o : outcomes) {
      System.out.printf(
          Locale.ROOT,
          "%s: applied new (fleet /metrics) %.0f, duplicates %.0f, reapplied by the journal %.0f;"
              + " killed %s; leader overlap %.0f ms (lease %d ms); freshness samples %d (%d across"
              + " the restart left out), max %.0f ms; failed reads %d; upstream retrieves %d;"
              + " tier retained served %.0f / revalidated %.0f; deliveries per edge %s, refused"
              + " connections %d%n",
          o.name(),
          o.appliedNew(),
          o.duplicates(),
          o.reapplied(),
          o.killedLeader() ? "the leader" : "a follower (no leader seen)",
          o.overlapMillis(),
          leaseMillis,
          o.freshnessMillis().size(),
          o.acrossRestart(),
          o.percentile(100),
          o.failedReads(),
          o.upstreamRetrieves(),
          o.retainedServed(),
          o.retainedRevalidated(),
          java.util.Arrays.toString(o.delivered()),
          o.refused());
    }
    if (outcomes.size() == 2) {
      Outcome base = outcomes.get(0);
      Outcome kept = outcomes.get(1);
      System.out.printf(
          Locale.ROOT,
          "ratio (%s / %s): upstream calls per 1,000 reads %.2fx; freshness p50 %.2fx, p99 %.2fx%n",
          kept.name(),
          base.name(),
          kept.upstreamPerThousand() / base.upstreamPerThousand(),
          kept.percentile(50) / base.percentile(50),
          kept.percentile(99) / base.percentile(99));
    }
  }

  private static String gaps(List<Double> gaps) {
    if (gaps.isEmpty()) {
      return "-";
    }
    StringBuilder text = new StringBuilder();
    for (double gap : gaps) {
      text.append(text.isEmpty() ? "" : "+").append(Math.round(gap));
    }
    return text.toString();
  }

  static String json(List<Outcome> outcomes, JsonObject settings) {
    JsonArray phases = new JsonArray();
    for (Outcome o : outcomes) {
      JsonObject phase = new JsonObject();
      phase.addProperty("phase", o.name());
      phase.addProperty("eventStore", o.store());
      phase.addProperty("events", o.events());
      phase.addProperty("forwardedOnce", o.forwardedOnce());
      phase.addProperty("forwardedMoreThanOnce", o.forwardedMore());
      phase.addProperty("notForwarded", o.notForwarded());
      phase.addProperty("appliedNew", o.appliedNew());
      phase.addProperty("duplicates", o.duplicates());
      phase.addProperty("reapplied", o.reapplied());
      phase.addProperty("leaderChanges", o.leaderChanges());
      JsonArray gaps = new JsonArray();
      o.gapsMillis().forEach(gaps::add);
      phase.add("leaderGapsMillis", gaps);
      phase.addProperty("leaderOverlapMillis", o.overlapMillis());
      phase.addProperty("killedLeader", o.killedLeader());
      phase.addProperty("freshnessP50Millis", o.percentile(50));
      phase.addProperty("freshnessP99Millis", o.percentile(99));
      phase.addProperty("freshnessMaxMillis", o.percentile(100));
      phase.addProperty("freshnessSamples", o.freshnessMillis().size());
      phase.addProperty("unseen", o.unseen());
      phase.addProperty("acrossRestart", o.acrossRestart());
      phase.addProperty("reads", o.reads());
      phase.addProperty("failedReads", o.failedReads());
      phase.addProperty("regressionsPerEdge", o.edgeRegressions());
      phase.addProperty("regressionsAcrossFleet", o.fleetRegressions());
      phase.addProperty("upstreamRetrieves", o.upstreamRetrieves());
      phase.addProperty("upstreamPerThousandReads", o.upstreamPerThousand());
      phase.addProperty("tierRetainedServed", o.retainedServed());
      phase.addProperty("tierRetainedRevalidated", o.retainedRevalidated());
      phases.add(phase);
    }
    settings.add("phases", phases);
    return new GsonBuilder().setPrettyPrinting().create().toJson(settings) + "\n";
  }

  /** Rows for bench/lib/bars.awk. */
  static String bars(List<Outcome> outcomes, String command) {
    StringBuilder rows = new StringBuilder("# Many edges, one truth (" + command + ")\n");
    rows.append("## Upstream retrieves per 1,000 reads (lower is better)\n");
    for (Outcome o : outcomes) {
      rows.append(
          String.format(Locale.ROOT, "%s|%.1f|per 1k reads%n", o.name(), o.upstreamPerThousand()));
    }
    rows.append("## Freshness across edges, p50 / p99 (ms)\n");
    for (Outcome o : outcomes) {
      rows.append(String.format(Locale.ROOT, "%s p50|%.0f|ms%n", o.name(), o.percentile(50)));
      rows.append(String.format(Locale.ROOT, "%s p99|%.0f|ms%n", o.name(), o.percentile(99)));
    }
    rows.append("## Time with no leader after the kill (ms)\n");
    for (Outcome o : outcomes) {
      double gap = o.gapsMillis().stream().mapToDouble(Double::doubleValue).sum();
      rows.append(String.format(Locale.ROOT, "%s|%.0f|ms%n", o.name(), gap));
    }
    return rows.toString();
  }
}
