package dev.stripeedge.core.budget;

/**
 * Additive Holt-Winters over one value per second: a level (an EWMA of the deseasonalised values),
 * a trend and one seasonal offset per second of the season.
 *
 * <p>The first season is a warm-up: forecasts come from level and trend alone (Holt's linear
 * method) while the values are kept; at its end each seasonal offset starts as that second's
 * distance from the season's least-squares line, so a pattern seen once is forecast from the second
 * season on.
 *
 * <p>Not thread-safe: its account's lock guards it. Allocates nothing after construction.
 */
final class HoltWinters {

  private final double alpha;
  private final double beta;
  private final double gamma;
  private final double[] season;
  private boolean started;
  private boolean seasonal;
  private long first;
  private long last;
  private double level;
  private double trend;

  HoltWinters(int seasonLength, double alpha, double beta, double gamma) {
    this.alpha = alpha;
    this.beta = beta;
    this.gamma = gamma;
    this.season = new double[seasonLength];
  }

  HoltWinters(ForecastConfig config) {
    this(
        config.seasonSeconds(),
        config.levelSmoothing(),
        config.trendSmoothing(),
        config.seasonSmoothing());
  }

  /**
   * Learns the value of {@code second}, normally the one after the last observed. After a skipped
   * stretch the level and trend carry on and the seasonal phase follows {@code second}; a warm-up
   * with a gap starts again.
   */
  void observe(long second, double value) {
    int slot = slot(second);
    if (!started || (!seasonal && second != last + 1)) {
      started = true;
      level = value;
      trend = 0;
      season[slot] = value;
      first = second;
    } else if (!seasonal) {
      double previous = level;
      level = alpha * value + (1 - alpha) * (level + trend);
      trend = beta * (level - previous) + (1 - beta) * trend;
      season[slot] = value;
      if (second - first == season.length - 1) {
        startSeasons();
        seasonal = true;
      }
    } else {
      double previous = level;
      level = alpha * (value - season[slot]) + (1 - alpha) * (level + trend);
      trend = beta * (level - previous) + (1 - beta) * trend;
      season[slot] = gamma * (value - level) + (1 - gamma) * season[slot];
    }
    last = second;
  }

  /** True once a whole season was observed and the seasonal offsets are in use. */
  boolean seasonal() {
    return seasonal;
  }

  /**
   * Replaces the warm-up's raw values with offsets from the first season's least-squares line, and
   * restarts level and trend on that line.
   */
  private void startSeasons() {
    int n = season.length;
    double meanPosition = (n - 1) / 2.0;
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += season[slot(first + k)];
    }
    double mean = sum / n;
    double covariance = 0;
    double variance = 0;
    for (int k = 0; k < n; k++) {
      double dx = k - meanPosition;
      covariance += dx * (season[slot(first + k)] - mean);
      variance += dx * dx;
    }
    double slope = covariance / variance;
    for (int k = 0; k < n; k++) {
      season[slot(first + k)] -= mean + slope * (k - meanPosition);
    }
    level = mean + slope * meanPosition;
    trend = slope;
  }

  /**
   * The value forecast for {@code steps} seconds after the last observed (1: the next), 0 before
   * anything was observed; may be negative when a trend points down.
   */
  double forecast(int steps) {
    if (!started) {
      return 0;
    }
    double value = level + steps * trend;
    if (seasonal) {
      value += season[slot(last + steps)];
    }
    return value;
  }

  private int slot(long second) {
    return (int) Math.floorMod(second, (long) season.length);
  }
}
