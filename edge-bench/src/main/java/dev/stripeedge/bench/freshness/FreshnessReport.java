package dev.stripeedge.bench.freshness;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.stripeedge.bench.freshness.FreshnessScenario.Variant;
import dev.stripeedge.sim.SimConfig;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** What the freshness benchmark measured: one {@link Outcome} per run, as a table and as JSON. */
final class FreshnessReport {

  private FreshnessReport() {}

  /** What one run measured. */
  record Outcome(
      Variant variant,
      int changes,
      List<Double> freshnessMillis,
      int unseen,
      long reads,
      long regressions,
      long ownWrites,
      long staleOwnReads,
      long fromWebhooks,
      long fromReconciler) {

    double percentile(double p) {
      if (freshnessMillis.isEmpty()) {
        return Double.NaN;
      }
      List<Double> sorted = freshnessMillis.stream().sorted().toList();
      int index = (int) Math.ceil(p / 100 * sorted.size()) - 1;
      return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
  }

  static void print(List<Outcome> outcomes, long delayMillis, long reconcileSeconds) {
    System.out.printf(
        Locale.ROOT,
        "%n%-12s %8s %8s %8s %8s %8s %7s %8s %11s %10s %9s %10s%n",
        "run",
        "changes",
        "p50 ms",
        "p99 ms",
        "max ms",
        "unseen",
        "reads",
        "regress",
        "own writes",
        "stale own",
        "webhooks",
        "reconciled");
    for (Outcome o : outcomes) {
      System.out.printf(
          Locale.ROOT,
          "%-12s %8d %8.0f %8.0f %8.0f %8d %7d %8d %11d %10d %9d %10d%n",
          o.variant().name(),
          o.changes(),
          o.percentile(50),
          o.percentile(99),
          o.percentile(100),
          o.unseen(),
          o.reads(),
          o.regressions(),
          o.ownWrites(),
          o.staleOwnReads(),
          o.fromWebhooks(),
          o.fromReconciler());
    }
    Outcome clean = outcomes.get(0);
    System.out.printf(
        Locale.ROOT,
        "clean p99 %.0f ms vs target (delay + 50 ms) %d ms = %.2fx; dropped run: max %.0f ms vs"
            + " one reconciliation interval + delay %d ms%n",
        clean.percentile(99),
        delayMillis + 50,
        clean.percentile(99) / (delayMillis + 50),
        outcomes.get(1).percentile(100),
        reconcileSeconds * 1000 + delayMillis);
    System.out.printf(
        Locale.ROOT,
        "machine: %d cores, %d MiB heap max, JDK %s, %s%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.runtime.version"),
        System.getProperty("os.name"));
  }

  static String json(
      List<Outcome> outcomes,
      Duration duration,
      long delayMillis,
      long reconcileSeconds,
      SimConfig.Latency latency) {
    JsonObject root = new JsonObject();
    root.addProperty("durationSeconds", duration.toSeconds());
    root.addProperty("webhookDelayMillis", delayMillis);
    root.addProperty("reconcileSeconds", reconcileSeconds);
    root.addProperty("simulatorLatency", latency.enabled() ? "realistic" : "off");
    JsonArray runs = new JsonArray();
    for (Outcome o : outcomes) {
      JsonObject run = new JsonObject();
      run.addProperty("run", o.variant().name());
      run.addProperty("drop", o.variant().drop());
      run.addProperty("duplicate", o.variant().duplicate());
      run.addProperty("reorder", o.variant().reorder());
      run.addProperty("changes", o.changes());
      run.addProperty("p50Millis", o.percentile(50));
      run.addProperty("p99Millis", o.percentile(99));
      run.addProperty("maxMillis", o.percentile(100));
      run.addProperty("unseen", o.unseen());
      run.addProperty("reads", o.reads());
      run.addProperty("regressions", o.regressions());
      run.addProperty("ownWrites", o.ownWrites());
      run.addProperty("staleOwnReads", o.staleOwnReads());
      run.addProperty("eventsFromWebhooks", o.fromWebhooks());
      run.addProperty("eventsFromReconciler", o.fromReconciler());
      runs.add(run);
    }
    root.add("runs", runs);
    return new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
  }
}
