package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Arrivals counted per second on a nanosecond clock, forecast per lane. */
class DemandTest {

  private static final long SECOND = 1_000_000_000L;

  private final Demand demand = new Demand(ForecastConfig.defaults(), 0);

  /** {@code count} arrivals of {@code lane} spread over second {@code second}. */
  private void arrivals(Lane lane, long second, int count) {
    for (int i = 0; i < count; i++) {
      demand.arrive(lane, second * SECOND + i * (SECOND / count));
    }
  }

  @Test
  void countsEachLanePerWholeSecond() {
    arrivals(Lane.CRITICAL, 0, 7);
    arrivals(Lane.BACKGROUND, 0, 30);
    demand.arrive(Lane.CRITICAL, SECOND); // the first instant of second 1

    assertThat(demand.actual(Lane.CRITICAL)).isEqualTo(7);
    assertThat(demand.actual(Lane.NORMAL)).isZero();
    assertThat(demand.actual(Lane.BACKGROUND)).isEqualTo(30);
    demand.roll(2 * SECOND);
    assertThat(demand.actual(Lane.CRITICAL)).isEqualTo(1);
  }

  @Test
  void comparesEachSecondWithWhatWasForecastForIt() {
    for (long s = 0; s < 30; s++) {
      arrivals(Lane.NORMAL, s, 20);
    }
    arrivals(Lane.NORMAL, 30, 50);
    demand.roll(31 * SECOND);

    assertThat(demand.actual(Lane.NORMAL)).isEqualTo(50);
    assertThat(demand.predicted(Lane.NORMAL)).isCloseTo(20, within(1e-9));
  }

  @Test
  void secondsWithoutArrivalsCountAsZeros() {
    for (long s = 0; s < 30; s++) {
      arrivals(Lane.NORMAL, s, 20);
    }
    demand.roll(30 * SECOND);
    double busy = demand.peak(Lane.NORMAL);

    demand.roll(60 * SECOND); // thirty quiet seconds

    assertThat(busy).isCloseTo(20, within(1e-9));
    assertThat(demand.actual(Lane.NORMAL)).isZero();
    assertThat(demand.peak(Lane.NORMAL)).isLessThan(1);
  }

  @Test
  void aLongIdleStretchForgetsTheOldRate() {
    for (long s = 0; s < 120; s++) {
      arrivals(Lane.CRITICAL, s, 40);
    }

    demand.roll(1_000_000 * SECOND);

    assertThat(demand.peak(Lane.CRITICAL)).isLessThan(1);
    assertThat(demand.predicted(Lane.CRITICAL)).isLessThan(1);
  }

  @Test
  void thePeakLooksAheadOverTheHorizon() {
    // 10/s with 90 in the middle second of each minute, for three minutes and a half.
    for (long s = 0; s < 207; s++) {
      arrivals(Lane.CRITICAL, s, s % 60 == 30 ? 90 : 10);
    }
    demand.roll(207 * SECOND); // the horizon is 207, 208, 209: the spike is due at 210
    double before = demand.peak(Lane.CRITICAL);
    arrivals(Lane.CRITICAL, 207, 10);
    demand.roll(208 * SECOND); // 208, 209, 210

    assertThat(before).isLessThan(20);
    assertThat(demand.peak(Lane.CRITICAL)).isGreaterThan(70);
  }
}
