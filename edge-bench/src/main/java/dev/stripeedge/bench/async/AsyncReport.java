package dev.stripeedge.bench.async;

import static dev.stripeedge.bench.async.AsyncScenario.ENDPOINT_BUDGET;
import static dev.stripeedge.bench.async.AsyncScenario.ENDPOINT_LIMIT;

import dev.stripeedge.bench.async.AsyncScenario.AsyncOptions;
import dev.stripeedge.bench.async.AsyncScenario.Upstream;
import dev.stripeedge.bench.async.Traffic.Answers;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** {@code bench async}'s figures, as text and JSON. */
record AsyncReport(
    AsyncOptions options, String load, String loadAfter, Direct direct, List<Backend> backends) {

  /** The baseline: the burst straight to the simulator, synchronous, no retries. */
  record Direct(Answers answers, Upstream upstream) {}

  /** One queue backend's run: the burst, its drain, and the critical stream without and with it. */
  record Backend(
      String queue, Answers burst, Drain drain, Upstream upstream, Answers calm, Answers during) {

    /** Writes finished per second from the burst's start until the last one. */
    double drainRate() {
      return drain.seconds() > 0 ? drain.finished() / drain.seconds() : 0;
    }

    /** Creates sent upstream per second of the drain, as a share of Stripe's endpoint limit. */
    double upstreamShare() {
      return drain.seconds() > 0 ? upstream.creates() / drain.seconds() / ENDPOINT_LIMIT : 0;
    }

    double criticalRatio() {
      return calm.p99Ms() > 0 ? during.p99Ms() / calm.p99Ms() : 0;
    }
  }

  String text() {
    StringBuilder out = new StringBuilder();
    Answers d = direct.answers();
    out.append(
        String.format(
            Locale.ROOT,
            "direct      %d creates in %.1f s straight to the simulator: %d ok, %d 429, %d other;"
                + " p50 %.1f ms, p99 %.1f ms; upstream %d 429%n",
            d.sent(),
            options.burstSeconds(),
            d.ok(),
            d.rateLimited(),
            d.other(),
            d.p50Ms(),
            d.p99Ms(),
            direct.upstream().limited()));
    for (Backend b : backends) {
      Answers burst = b.burst();
      Drain drain = b.drain();
      out.append(
          String.format(
              Locale.ROOT,
              "%-6s 202: %d of %d (%d other), p50 %.1f ms, p99 %.1f ms (%.3f× direct p99);"
                  + " drained %d (%d succeeded) in %.1f s = %.1f writes/s (%.0f %% of the limit,"
                  + " %.0f %% of the budget), steady %.1f/s (%.0f %% of the limit);"
                  + " upstream creates %d (%.0f %% of the limit), 429s %d (all endpoints %d);"
                  + " deliveries %d, writes retried %d%n",
              b.queue(),
              burst.accepted(),
              burst.sent(),
              burst.sent() - burst.accepted(),
              burst.p50Ms(),
              burst.p99Ms(),
              burst.p99Ms() / Math.max(1e-9, d.p99Ms()),
              drain.finished(),
              drain.succeeded(),
              drain.seconds(),
              b.drainRate(),
              100 * b.drainRate() / ENDPOINT_LIMIT,
              100 * b.drainRate() / ENDPOINT_BUDGET,
              drain.steadyRate(),
              100 * drain.steadyRate() / ENDPOINT_LIMIT,
              b.upstream().creates(),
              100 * b.upstreamShare(),
              b.upstream().creates429(),
              b.upstream().limited(),
              drain.deliveries(),
              drain.retried()));
      out.append(
          String.format(
              Locale.ROOT,
              "%-6s critical (%s/s): without the burst %d sent, %d ok, p50 %.1f ms, p99 %.1f ms;"
                  + " during the drain %d sent, %d ok, p50 %.1f ms, p99 %.1f ms; ratio %.2f×%n",
              b.queue(),
              fmt(options.criticalRate()),
              b.calm().sent(),
              b.calm().ok(),
              b.calm().p50Ms(),
              b.calm().p99Ms(),
              b.during().sent(),
              b.during().ok(),
              b.during().p50Ms(),
              b.during().p99Ms(),
              b.criticalRatio()));
      out.append(
          String.format(
              Locale.ROOT, "%-6s finished per second: %s%n", b.queue(), drain.perSecond()));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "command: %s%nload average before %s, after %s%n",
            options.command(),
            load,
            loadAfter));
    return out.toString();
  }

  String json() {
    Answers d = direct.answers();
    String backendsJson =
        backends.stream()
            .map(
                b ->
                    String.format(
                        Locale.ROOT,
                        "{\"queue\":\"%s\",\"accepted\":%d,\"other\":%d,\"p50_ms\":%.1f,"
                            + "\"p99_ms\":%.1f,\"drain_seconds\":%.2f,\"finished\":%d,"
                            + "\"succeeded\":%d,\"drain_rate\":%.2f,\"steady_rate\":%.2f,"
                            + "\"upstream_creates\":%d,\"upstream_share_of_limit\":%.3f,"
                            + "\"upstream_429\":%d,\"upstream_429_all\":%d,\"deliveries\":%d,"
                            + "\"retried\":%d,\"critical_calm\":%s,\"critical_during\":%s,"
                            + "\"critical_p99_ratio\":%.3f,\"finished_per_second\":%s}",
                        b.queue(),
                        b.burst().accepted(),
                        b.burst().sent() - b.burst().accepted(),
                        b.burst().p50Ms(),
                        b.burst().p99Ms(),
                        b.drain().seconds(),
                        b.drain().finished(),
                        b.drain().succeeded(),
                        b.drainRate(),
                        b.drain().steadyRate(),
                        b.upstream().creates(),
                        b.upstreamShare(),
                        b.upstream().creates429(),
                        b.upstream().limited(),
                        b.drain().deliveries(),
                        b.drain().retried(),
                        answersJson(b.calm()),
                        answersJson(b.during()),
                        b.criticalRatio(),
                        b.drain().perSecond()))
            .collect(Collectors.joining(","));
    return String.format(
        Locale.ROOT,
        "{\"command\":\"%s\",\"load_before\":\"%s\",\"load_after\":\"%s\",\"writes\":%d,"
            + "\"burst_seconds\":%s,\"concurrency\":%d,\"critical_rate\":%s,"
            + "\"endpoint_limit\":%s,\"endpoint_budget\":%s,"
            + "\"direct\":{\"ok\":%d,\"rate_limited\":%d,\"other\":%d,\"p50_ms\":%.1f,"
            + "\"p99_ms\":%.1f,\"upstream_429\":%d},\"backends\":[%s]}",
        options.command(),
        load,
        loadAfter,
        options.writes(),
        fmt(options.burstSeconds()),
        options.concurrency(),
        fmt(options.criticalRate()),
        fmt(ENDPOINT_LIMIT),
        fmt(ENDPOINT_BUDGET),
        d.ok(),
        d.rateLimited(),
        d.other(),
        d.p50Ms(),
        d.p99Ms(),
        direct.upstream().limited(),
        backendsJson);
  }

  private static String answersJson(Answers a) {
    return String.format(
        Locale.ROOT,
        "{\"sent\":%d,\"ok\":%d,\"rate_limited\":%d,\"other\":%d,\"p50_ms\":%.1f,\"p99_ms\":%.1f}",
        a.sent(),
        a.ok(),
        a.rateLimited(),
        a.other(),
        a.p50Ms(),
        a.p99Ms());
  }

  private static String fmt(double value) {
    return value == Math.rint(value)
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%s", value);
  }
}
