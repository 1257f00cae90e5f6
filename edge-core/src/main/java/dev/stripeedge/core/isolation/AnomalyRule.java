package dev.stripeedge.core.isolation;

import java.util.Locale;

/** Whether a key's figures are anomalous: a pure rule, table-tested. */
public final class AnomalyRule {

  private AnomalyRule() {}

  /** Why a key is flagged. */
  public enum Reason {
    /** 5xx and timeouts over the ratio */
    ERRORS,
    /** a burst of 429s: lock timeouts or rate limits */
    THROTTLED,
    /** recent p95 several times the key's own baseline */
    SLOWER_THAN_BASELINE,
    /** recent p95 several times its siblings' median */
    SLOWER_THAN_SIBLINGS;

    /** The metric tag and the admin API's name. */
    public String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** The rule's decision: a closed choice. */
  public sealed interface Verdict {}

  /** Nothing to flag (or too few answers to judge). */
  public record Healthy() implements Verdict {}

  /**
   * Flag the key.
   *
   * @param reason the first reason that holds, in {@link Reason}'s order
   * @param why the figures that decided, for people
   */
  public record Anomalous(Reason reason, String why) implements Verdict {}

  private static final Healthy HEALTHY = new Healthy();

  /** Calls in flight whose mean age may flag a key before any of them is answered. */
  public static final int MIN_IN_FLIGHT = 2;

  /** Judges {@code figures} under {@code config}. */
  public static Verdict judge(KeyFigures figures, IsolationConfig.Detection config) {
    double minMillis = config.minLatency().toNanos() / 1e6;
    boolean hasBaseline = figures.baselineSamples() >= config.minSamples();
    // Calls held long past the baseline: the route is slow now, though none has answered yet.
    // (Their mean age is compared with the baseline's median, several times over, and with its
    // p95: healthy calls of a long-tailed route are on average older than its median.)
    double age = figures.inFlightAgeMillis();
    if (hasBaseline
        && figures.inFlight() >= MIN_IN_FLIGHT
        && age >= minMillis
        && age >= figures.baselineP95Millis()
        && age >= config.latencyFactor() * figures.baselineP50Millis()) {
      return new Anomalous(
          Reason.SLOWER_THAN_BASELINE,
          String.format(
              Locale.ROOT,
              "%d calls in flight for %.0f ms on average against a baseline p50 of %.0f ms and"
                  + " p95 of %.0f ms (factor %.1f)",
              figures.inFlight(),
              age,
              figures.baselineP50Millis(),
              figures.baselineP95Millis(),
              config.latencyFactor()));
    }
    if (figures.samples() < config.minSamples()) {
      return HEALTHY;
    }
    if (figures.errorRatio() >= config.errorRatio()) {
      return new Anomalous(
          Reason.ERRORS,
          String.format(
              Locale.ROOT,
              "%.0f%% of recent answers were 5xx or timeouts (threshold %.0f%%)",
              figures.errorRatio() * 100,
              config.errorRatio() * 100));
    }
    if (figures.throttled() >= config.throttledBurst()) {
      return new Anomalous(
          Reason.THROTTLED,
          String.format(
              Locale.ROOT,
              "%.0f recent 429s (threshold %d)",
              figures.throttled(),
              config.throttledBurst()));
    }
    double p95 = figures.p95Millis();
    if (p95 < minMillis) {
      return HEALTHY;
    }
    double p50 = figures.p50Millis();
    if (hasBaseline
        && p50 >= minMillis
        && figures.baselineP50Millis() > 0
        && p50 >= config.latencyFactor() * figures.baselineP50Millis()) {
      // The whole distribution moved: a long-tailed route's p95 hides that.
      return new Anomalous(
          Reason.SLOWER_THAN_BASELINE,
          String.format(
              Locale.ROOT,
              "p50 %.0f ms against a baseline of %.0f ms (factor %.1f)",
              p50,
              figures.baselineP50Millis(),
              config.latencyFactor()));
    }
    if (hasBaseline && p95 >= config.latencyFactor() * figures.baselineP95Millis()) {
      return new Anomalous(
          Reason.SLOWER_THAN_BASELINE,
          String.format(
              Locale.ROOT,
              "p95 %.0f ms against a baseline of %.0f ms (factor %.1f)",
              p95,
              figures.baselineP95Millis(),
              config.latencyFactor()));
    }
    double siblings = figures.siblingP95Millis();
    if (!Double.isNaN(siblings) && p95 >= config.latencyFactor() * siblings) {
      return new Anomalous(
          Reason.SLOWER_THAN_SIBLINGS,
          String.format(
              Locale.ROOT,
              "p95 %.0f ms against its siblings' %.0f ms (factor %.1f)",
              p95,
              siblings,
              config.latencyFactor()));
    }
    return HEALTHY;
  }
}
