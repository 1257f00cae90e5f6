package dev.stripeedge.core.isolation;

/**
 * A key's statistics at one moment: what {@link AnomalyRule} judges and a flag shows.
 *
 * @param samples recent answers (decayed weight)
 * @param p95Millis recent p95 latency
 * @param baselineSamples answers in the baseline (decayed weight)
 * @param baselineP95Millis the key's own p95 over the baseline
 * @param siblingP95Millis median recent p95 of its siblings (same account and route, other
 *     connected accounts), or {@code NaN} when it has none
 * @param errorRatio share of 5xx and timeouts among recent answers
 * @param throttled recent 429s (decayed count)
 * @param inFlight calls sent and not answered yet
 * @param inFlightAgeMillis their mean age: a slow route shows here before its first answer
 * @param p50Millis recent median latency
 * @param baselineP50Millis the key's own median over the baseline
 */
public record KeyFigures(
    double samples,
    double p95Millis,
    double baselineSamples,
    double baselineP95Millis,
    double siblingP95Millis,
    double errorRatio,
    double throttled,
    int inFlight,
    double inFlightAgeMillis,
    double p50Millis,
    double baselineP50Millis) {

  /** The same figures, with the siblings' median. */
  KeyFigures withSiblings(double median) {
    return new KeyFigures(
        samples,
        p95Millis,
        baselineSamples,
        baselineP95Millis,
        median,
        errorRatio,
        throttled,
        inFlight,
        inFlightAgeMillis,
        p50Millis,
        baselineP50Millis);
  }
}
