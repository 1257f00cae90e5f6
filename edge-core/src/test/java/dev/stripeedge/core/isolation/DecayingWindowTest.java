package dev.stripeedge.core.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DecayingWindowTest {

  private static final long SECOND = Duration.ofSeconds(1).toNanos();
  private static final long MS = Duration.ofMillis(1).toNanos();

  @ParameterizedTest(name = "{0} ns: bucket {1}")
  @CsvSource({"0, 0", "64000, 0", "90600, 1", "128000, 2", "1000000000, 27", "999000000000, 39"})
  void bucketsAreFactorsOfRootTwoFrom64Micros(long nanos, int bucket) {
    assertThat(DecayingWindow.bucket(nanos)).isEqualTo(bucket);
  }

  @Test
  void p95IsWithinRootTwoOfTheTrueOne() {
    DecayingWindow window = new DecayingWindow(2 * SECOND, 0);
    for (int i = 1; i <= 100; i++) {
      window.add(0, i * 10 * MS, DecayingWindow.Answer.OK); // 10 ms … 1000 ms
    }

    double p95 = window.quantileNanos(0.95) / 1e6;

    assertThat(p95).isBetween(950 / Math.sqrt(2), 950 * Math.sqrt(2));
  }

  @Test
  void oldAnswersFadeWithTheTimeConstant() {
    DecayingWindow window = new DecayingWindow(2 * SECOND, 0);
    for (int i = 0; i < 100; i++) {
      window.add(0, 5 * MS, DecayingWindow.Answer.ERROR);
    }

    assertThat(window.samples(0)).isCloseTo(100, within(1e-9));
    assertThat(window.samples(2 * SECOND)).isCloseTo(100 / Math.E, within(1e-6));
    assertThat(window.errors(2 * SECOND)).isCloseTo(100 / Math.E, within(1e-6));
  }

  @Test
  void recentAnswersOutweighOldOnesAcrossALandmarkMove() {
    DecayingWindow window = new DecayingWindow(SECOND, 0);
    for (int i = 0; i < 100; i++) {
      window.add(0, 2_000 * MS, DecayingWindow.Answer.OK);
    }
    // 100 time constants later: far beyond the landmark's limit, so it moves.
    long later = 100 * SECOND;
    for (int i = 0; i < 10; i++) {
      window.add(later, 20 * MS, DecayingWindow.Answer.OK);
    }

    assertThat(window.quantileNanos(0.95) / 1e6).isLessThan(30);
    assertThat(window.samples(later)).isCloseTo(10, within(1e-6));
  }
}
