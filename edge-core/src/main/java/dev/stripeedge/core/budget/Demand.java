package dev.stripeedge.core.budget;

/**
 * One account's demand per lane: attempts counted per second, each lane's series forecast by {@link
 * HoltWinters}, and the peak forecast over the next few seconds.
 *
 * <p>Not thread-safe: its account's lock guards it. Counting an arrival is an increment; the
 * forecasts move once a second, when the clock has crossed into a new one. Allocates nothing after
 * construction.
 */
final class Demand {

  private static final Lane[] LANES = Lane.values();
  private static final long SECOND = 1_000_000_000L;

  private final int horizon;
  private final long longestGap;
  private final HoltWinters[] series = new HoltWinters[LANES.length];
  private final int[] counts = new int[LANES.length];
  private final int[] actual = new int[LANES.length];
  private final double[] predicted = new double[LANES.length];
  private final double[] peak = new double[LANES.length];
  private long current;

  Demand(ForecastConfig config, long nowNanos) {
    this.horizon = config.horizonSeconds();
    // Two seasons of zeros bring every seasonal offset within (1 - gamma)^2 of nothing; an idle
    // stretch longer than that is not replayed second by second.
    this.longestGap = 2L * config.seasonSeconds();
    for (int i = 0; i < series.length; i++) {
      series[i] = new HoltWinters(config);
    }
    this.current = Math.floorDiv(nowNanos, SECOND);
  }

  /** Counts one attempt of {@code lane}. */
  void arrive(Lane lane, long nowNanos) {
    roll(nowNanos);
    counts[lane.ordinal()]++;
  }

  /**
   * Closes every second before the one of {@code nowNanos}, empty ones as zeros; true when the
   * forecasts moved.
   */
  boolean roll(long nowNanos) {
    long second = Math.floorDiv(nowNanos, SECOND);
    if (second <= current) {
      return false;
    }
    close(current);
    long next = Math.max(current + 1, second - longestGap);
    for (long s = next; s < second; s++) {
      close(s);
    }
    current = second;
    for (int i = 0; i < series.length; i++) {
      double highest = 0;
      for (int step = 1; step <= horizon; step++) {
        highest = Math.max(highest, series[i].forecast(step));
      }
      peak[i] = highest;
    }
    return true;
  }

  private void close(long second) {
    for (int i = 0; i < series.length; i++) {
      predicted[i] = Math.max(0, series[i].forecast(1));
      actual[i] = counts[i];
      series[i].observe(second, counts[i]);
      counts[i] = 0;
    }
  }

  /**
   * The highest attempts per second forecast for {@code lane} from the current second to the end of
   * the horizon.
   */
  double peak(Lane lane) {
    return peak[lane.ordinal()];
  }

  /** The attempts of {@code lane} in the last whole second. */
  int actual(Lane lane) {
    return actual[lane.ordinal()];
  }

  /** What was forecast for {@code lane} in the last whole second, the second before. */
  double predicted(Lane lane) {
    return predicted[lane.ordinal()];
  }
}
