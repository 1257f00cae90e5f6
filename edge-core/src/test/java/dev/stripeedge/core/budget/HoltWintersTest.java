package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The forecaster on its own: one value per second, the default constants, a 60 s season. */
class HoltWintersTest {

  private final HoltWinters forecaster = new HoltWinters(ForecastConfig.defaults());

  @Test
  void forecastsNothingBeforeItHasSeenAnything() {
    assertThat(forecaster.forecast(1)).isZero();
  }

  @Test
  void learnsAConstantRate() {
    for (long t = 0; t < 150; t++) {
      forecaster.observe(t, 20);
    }

    for (int step = 1; step <= 60; step++) {
      assertThat(forecaster.forecast(step)).isCloseTo(20, within(1e-9));
    }
  }

  @Test
  void learnsAConstantRateThroughPoissonNoise() {
    Random random = new Random(7);
    double sum = 0;
    double squares = 0;
    int n = 0;
    for (long t = 0; t < 1_200; t++) {
      if (t >= 300) {
        double error = forecaster.forecast(1) - 20;
        sum += error;
        squares += error * error;
        n++;
      }
      forecaster.observe(t, poisson(random, 20));
    }

    // Unbiased, and off by less than one second's own noise (sd 4.5); repeating the last second
    // would be off by 6.3.
    assertThat(sum / n).isCloseTo(0, within(1.0));
    assertThat(Math.sqrt(squares / n)).isLessThan(4.0);
  }

  @Test
  void followsATrend() {
    for (long t = 0; t < 240; t++) {
      forecaster.observe(t, 10 + 0.5 * t);
    }

    // Last seen 129.5 at t = 239.
    assertThat(forecaster.forecast(1)).isCloseTo(130, within(0.5));
    assertThat(forecaster.forecast(3)).isCloseTo(131, within(0.5));
  }

  @Test
  void followsATrendAlreadyDuringTheFirstSeason() {
    for (long t = 0; t < 40; t++) {
      forecaster.observe(t, 10 + 0.5 * t);
    }

    // Holt alone lags a ramp, but forecasts it going up, not flat at the average.
    assertThat(forecaster.forecast(1)).isGreaterThan(25).isLessThan(31);
    assertThat(forecaster.forecast(3)).isGreaterThan(forecaster.forecast(1));
  }

  @Test
  void predictsAMinutelySpikeBeforeItArrives() {
    Random random = new Random(11);
    // A spike of 100 on every minute over a noisy 10/s, for three minutes and 56 s.
    for (long t = 0; t < 3 * 60 + 57; t++) {
      forecaster.observe(t, t % 60 == 0 ? 100 : poisson(random, 10));
    }

    // Last seen t = 236; the spike is due at 240, four seconds on.
    assertThat(forecaster.forecast(4)).isGreaterThan(70);
    for (int step = 1; step <= 3; step++) {
      assertThat(forecaster.forecast(step)).isLessThan(20);
    }
    assertThat(forecaster.forecast(5)).isLessThan(20);
  }

  @Test
  void aSpikeSeenOnceFadesWhenItDoesNotComeBack() {
    for (long t = 0; t < 60; t++) {
      forecaster.observe(t, t == 30 ? 100 : 10);
    }
    double learned = forecaster.forecast(31); // second 90
    for (long t = 60; t < 10 * 60 + 30; t++) {
      forecaster.observe(t, 10);
    }

    assertThat(learned).isGreaterThan(80);
    assertThat(forecaster.forecast(1)).isCloseTo(10, within(3.0)); // second 630
  }

  @Test
  void learnsARampThatStartsLater() {
    for (long t = 0; t < 120; t++) {
      forecaster.observe(t, 10);
    }
    for (long t = 120; t < 180; t++) {
      forecaster.observe(t, 10 + 0.5 * (t - 120));
    }

    // Last seen 39.5 at t = 179: a flat forecast would say about 37.
    assertThat(forecaster.forecast(1)).isCloseTo(40, within(1.0));
    assertThat(forecaster.forecast(3)).isCloseTo(41, within(1.0));
  }

  @Test
  void aGapDuringTheFirstSeasonStartsItAgain() {
    for (long t = 0; t < 30; t++) {
      forecaster.observe(t, 50);
    }
    for (long t = 1_000; t < 1_000 + 60; t++) {
      forecaster.observe(t, t == 1_030 ? 100 : 10);
    }

    // The season starting at 1,000 alone made the offsets: the 50s before the gap are gone.
    assertThat(forecaster.seasonal()).isTrue();
    assertThat(forecaster.forecast(31)).isGreaterThan(80); // 1,090
    assertThat(forecaster.forecast(1)).isCloseTo(10, within(2.5));
  }

  @Test
  void configRejectsNonsenseWithTheValue() {
    assertThatThrownBy(() -> ForecastConfig.defaults().withSeason(1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("seasonSeconds")
        .hasMessageContaining("1");
    assertThatThrownBy(() -> ForecastConfig.defaults().withSeason(60, 61))
        .hasMessageContaining("horizonSeconds");
    assertThatThrownBy(() -> ForecastConfig.defaults().withSmoothing(0, 0.1, 0.1))
        .hasMessageContaining("levelSmoothing");
    assertThatThrownBy(() -> ForecastConfig.defaults().withReserve(0.25, 1))
        .hasMessageContaining("maxCriticalReserve");
    assertThatThrownBy(() -> ForecastConfig.defaults().withReserve(-0.1, 0.5))
        .hasMessageContaining("margin");
  }

  /** Knuth's Poisson sampler: fine for small means. */
  static int poisson(Random random, double mean) {
    double limit = Math.exp(-mean);
    double product = random.nextDouble();
    int count = 0;
    while (product > limit) {
      count++;
      product *= random.nextDouble();
    }
    return count;
  }
}
