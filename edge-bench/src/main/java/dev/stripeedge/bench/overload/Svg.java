package dev.stripeedge.bench.overload;

import dev.stripeedge.bench.overload.OverloadScenario.Result;
import dev.stripeedge.bench.overload.OverloadScenario.RunReport;
import dev.stripeedge.bench.overload.OverloadScenario.Second;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A hand-written SVG: per run, upstream use per second and each lane's p99 per second. */
final class Svg {

  private static final int W = 720;
  private static final int H = 220;
  private static final int PAD = 40;
  private static final String[] LANE_COLOURS = {"#d62728", "#1f77b4", "#7f7f7f"};

  private Svg() {}

  static String plot(List<RunReport> runs, int duration, double limit) {
    StringBuilder svg = new StringBuilder();
    int height = runs.size() * 2 * (H + 20);
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"11\">%n",
            W,
            height));
    int y = 0;
    for (RunReport run : runs) {
      List<Second> seconds = run.seconds();
      int n = Math.max(duration, seconds.size());
      double maxCalls = limit * 1.5;
      for (Second s : seconds) {
        maxCalls = Math.max(maxCalls, s.calls());
      }
      panel(svg, y, run.name() + ": upstream calls/s (blue admitted, red 429, dashed = limit)");
      svg.append(line(y, n, maxCalls, List.of(limit, limit), 0, "#000", true));
      List<Double> admitted = new ArrayList<>();
      List<Double> limited = new ArrayList<>();
      for (Second s : seconds) {
        admitted.add((double) (s.calls() - s.rateLimited()));
        limited.add((double) s.rateLimited());
      }
      svg.append(polyline(y, n, maxCalls, admitted, "#1f77b4"));
      svg.append(polyline(y, n, maxCalls, limited, "#d62728"));
      axis(svg, y, maxCalls, "/s");
      y += H + 20;

      List<List<Double>> p99 = new ArrayList<>();
      double maxMs = 1;
      for (Lane lane : Lane.values()) {
        List<Double> series = new ArrayList<>();
        for (int sec = 0; sec < duration; sec++) {
          long from = sec * 1_000_000_000L;
          long to = from + 1_000_000_000L;
          List<Long> lat =
              run.results().stream()
                  .filter(
                      r ->
                          r.lane() == lane
                              && r.outcome() == OverloadScenario.Outcome.OK
                              && r.scheduledNanos() >= from
                              && r.scheduledNanos() < to)
                  .map(Result::latencyNanos)
                  .toList();
          double v = OverloadReport.ms(OverloadReport.percentile(lat, 99));
          series.add(v);
          maxMs = Math.max(maxMs, v);
        }
        p99.add(series);
      }
      panel(
          svg,
          y,
          run.name()
              + ": p99 ms of OK requests by start second (red critical,"
              + " blue normal, grey background)");
      for (int i = 0; i < p99.size(); i++) {
        svg.append(polyline(y, duration, maxMs, p99.get(i), LANE_COLOURS[i]));
      }
      axis(svg, y, maxMs, " ms");
      y += H + 20;
    }
    return svg.append("</svg>\n").toString();
  }

  private static void panel(StringBuilder svg, int y, String title) {
    svg.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>%n"
                + "<text x=\"%d\" y=\"%d\">%s</text>%n",
            PAD,
            y + 20,
            W - 2 * PAD,
            H - 40,
            PAD,
            y + 14,
            title));
  }

  private static void axis(StringBuilder svg, int y, double max, String unit) {
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"2\" y=\"%d\">%.0f%s</text><text x=\"2\" y=\"%d\">0</text>%n",
            y + 30,
            max,
            unit,
            y + H - 20));
  }

  private static String line(
      int y, int n, double max, List<Double> values, int from, String colour, boolean dashed) {
    double v = values.getFirst();
    double py = y + H - 20 - v / max * (H - 40);
    return String.format(
        Locale.ROOT,
        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"%s/>%n",
        PAD + from,
        py,
        W - PAD,
        py,
        colour,
        dashed ? " stroke-dasharray=\"4 3\"" : "");
  }

  private static String polyline(int y, int n, double max, List<Double> values, String colour) {
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      double px = PAD + (i + 0.5) * (W - 2.0 * PAD) / Math.max(1, n);
      double py = y + H - 20 - Math.min(values.get(i), max) / max * (H - 40);
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
    }
    return "<polyline fill=\"none\" stroke=\""
        + colour
        + "\" stroke-width=\"1.5\" points=\""
        + points.toString().trim()
        + "\"/>\n";
  }
}
