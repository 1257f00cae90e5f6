package dev.stripeedge.core.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnomalyRuleTest {

  // The defaults, but a latency factor of 4: minSamples 10, minLatency 250 ms, errorRatio 0.3,
  // burst 10.
  private static final IsolationConfig.Detection CONFIG =
      new IsolationConfig.Detection(
          Duration.ofSeconds(2),
          Duration.ofMinutes(5),
          Duration.ofMillis(500),
          10,
          4.0,
          Duration.ofMillis(250),
          0.3,
          10,
          Duration.ofSeconds(2),
          4096);

  @ParameterizedTest(
      name = "n={0} p95={1} base(n={2}, p95={3}) siblings={4} errors={5} 429s={6}: {7}")
  @CsvSource({
    // too few answers to judge, whatever they show
    "9,    5000, 100, 50,  NaN, 1.0, 50, HEALTHY",
    // normal
    "50,   60,   500, 50,  NaN, 0.0, 0,  HEALTHY",
    // errors over the ratio win over everything else
    "50,   5000, 500, 50,  NaN, 0.5, 50, ERRORS",
    "50,   60,   500, 50,  NaN, 0.3, 0,  ERRORS",
    "50,   60,   500, 50,  NaN, 0.29, 0, HEALTHY",
    // a burst of 429s
    "50,   60,   500, 50,  NaN, 0.0, 10, THROTTLED",
    "50,   60,   500, 50,  NaN, 0.0, 9,  HEALTHY",
    // slower than its own baseline
    "50,   5000, 500, 50,  NaN, 0.0, 0,  SLOWER_THAN_BASELINE",
    "50,   400,  500, 100, NaN, 0.0, 0,  SLOWER_THAN_BASELINE",
    "50,   399,  500, 100, NaN, 0.0, 0,  HEALTHY",
    // several times the baseline, yet under minLatency: never slow
    "50,   200,  500, 10,  NaN, 0.0, 0,  HEALTHY",
    // no baseline to speak of: the siblings decide
    "50,   5000, 5,   50,  NaN, 0.0, 0,  HEALTHY",
    "50,   5000, 5,   50,  100, 0.0, 0,  SLOWER_THAN_SIBLINGS",
    "50,   5000, 5,   50,  2000, 0.0, 0, HEALTHY",
    // the baseline is slow too (always was): the siblings still see it
    "50,   5000, 500, 4000, 100, 0.0, 0, SLOWER_THAN_SIBLINGS",
  })
  void judgesFiguresAgainstBaselineSiblingsAndThresholds(
      double samples,
      double p95,
      double baselineSamples,
      double baselineP95,
      double siblings,
      double errorRatio,
      double throttled,
      String expected) {
    KeyFigures figures =
        new KeyFigures(
            samples,
            p95,
            baselineSamples,
            baselineP95,
            siblings,
            errorRatio,
            throttled,
            0,
            0,
            0,
            0);

    AnomalyRule.Verdict verdict = AnomalyRule.judge(figures, CONFIG);

    String got =
        switch (verdict) {
          case AnomalyRule.Healthy healthy -> "HEALTHY";
          case AnomalyRule.Anomalous anomalous -> anomalous.reason().name();
        };
    assertThat(got).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} in flight for {1} ms, baseline(n={2}, p95={3}): {4}")
  @CsvSource({
    // held long past the baseline before any answer: slow now (even with no recent answers)
    "2,  400,  500, 50, SLOWER_THAN_BASELINE",
    "8,  5000, 500, 50, SLOWER_THAN_BASELINE",
    // one call alone is not a pattern
    "1,  5000, 500, 50, HEALTHY",
    // young enough, or under minLatency, or no baseline
    "8,  150,  500, 30, HEALTHY",
    "8,  190,  500, 50, HEALTHY",
    "8,  5000, 5,   50, HEALTHY",
  })
  void callsHeldInFlightFlagBeforeTheyAnswer(
      int inFlight, double age, double baselineSamples, double baselineP95, String expected) {
    KeyFigures figures =
        new KeyFigures(0, 0, baselineSamples, baselineP95, Double.NaN, 0, 0, inFlight, age, 0, 0);

    AnomalyRule.Verdict verdict = AnomalyRule.judge(figures, CONFIG);

    assertThat(
            verdict instanceof AnomalyRule.Anomalous anomalous
                ? anomalous.reason().name()
                : "HEALTHY")
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "p50 {0} (baseline {1}), p95 {2} (baseline {3}): {4}")
  @CsvSource({
    // a long-tailed route: its p95 was 2 s, its median 400 ms; a 5 s slowdown moves the median
    "5400, 400, 5900, 2000, SLOWER_THAN_BASELINE",
    "1100, 400, 5900, 2000, HEALTHY",
    // a median several times the baseline's, yet under minLatency
    "200,  40,  400,  300,  HEALTHY",
  })
  void aMedianSeveralTimesTheBaselinesIsSlowToo(
      double p50, double baselineP50, double p95, double baselineP95, String expected) {
    KeyFigures figures =
        new KeyFigures(50, p95, 500, baselineP95, Double.NaN, 0, 0, 0, 0, p50, baselineP50);

    assertThat(
            AnomalyRule.judge(figures, CONFIG) instanceof AnomalyRule.Anomalous anomalous
                ? anomalous.reason().name()
                : "HEALTHY")
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "ERRORS, 50% of recent answers were 5xx or timeouts (threshold 30%)",
    "SLOWER_THAN_BASELINE, p95 5000 ms against a baseline of 50 ms (factor 4.0)",
  })
  void saysWhyWithTheFigures(AnomalyRule.Reason reason, String why) {
    double errors = reason == AnomalyRule.Reason.ERRORS ? 0.5 : 0;
    KeyFigures figures = new KeyFigures(50, 5000, 500, 50, Double.NaN, errors, 0, 0, 0, 0, 0);

    assertThat(AnomalyRule.judge(figures, CONFIG))
        .isEqualTo(new AnomalyRule.Anomalous(reason, why));
  }
}
