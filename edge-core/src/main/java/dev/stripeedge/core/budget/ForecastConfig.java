package dev.stripeedge.core.budget;

/**
 * Proactive throttling: each lane's demand (attempts per second, per account) is forecast with
 * Holt-Winters, and the budget is reshaped ahead of what is coming. The critical reserve grows to
 * critical's forecast plus {@code margin}, up to {@code maxCriticalReserve}; background yields
 * first when critical and normal are forecast to fill the global rate.
 *
 * @param enabled false keeps the critical reserve and the lanes' shares as configured
 * @param seasonSeconds length of the seasonal pattern in one-second buckets, at least 2 (60: a
 *     minute, the period of cron jobs and batch runs)
 * @param horizonSeconds how many seconds ahead, the current one included, the reserve and
 *     background's allowance look; from 1 to {@code seasonSeconds}
 * @param levelSmoothing weight of a new second in the level (an EWMA), in (0, 1]
 * @param trendSmoothing weight of a new second in the trend, in [0, 1]
 * @param seasonSmoothing weight of a new season in each second's seasonal offset, in [0, 1]
 * @param margin share added on top of a forecast before it is reserved, at least 0
 * @param maxCriticalReserve the most of the global rate the reserve may grow to, in [0, 1); the
 *     rest is always shared by weight, so no lane starves
 */
public record ForecastConfig(
    boolean enabled,
    int seasonSeconds,
    int horizonSeconds,
    double levelSmoothing,
    double trendSmoothing,
    double seasonSmoothing,
    double margin,
    double maxCriticalReserve) {

  public ForecastConfig {
    if (seasonSeconds < 2) {
      throw new IllegalArgumentException("seasonSeconds must be at least 2: " + seasonSeconds);
    }
    if (horizonSeconds < 1 || horizonSeconds > seasonSeconds) {
      throw new IllegalArgumentException(
          "horizonSeconds must be in [1, seasonSeconds=%d]: %d"
              .formatted(seasonSeconds, horizonSeconds));
    }
    if (!(levelSmoothing > 0 && levelSmoothing <= 1)) {
      throw new IllegalArgumentException("levelSmoothing must be in (0, 1]: " + levelSmoothing);
    }
    if (!(trendSmoothing >= 0 && trendSmoothing <= 1)) {
      throw new IllegalArgumentException("trendSmoothing must be in [0, 1]: " + trendSmoothing);
    }
    if (!(seasonSmoothing >= 0 && seasonSmoothing <= 1)) {
      throw new IllegalArgumentException("seasonSmoothing must be in [0, 1]: " + seasonSmoothing);
    }
    if (!(margin >= 0) || Double.isInfinite(margin)) {
      throw new IllegalArgumentException("margin must be finite and >= 0: " + margin);
    }
    if (!(maxCriticalReserve >= 0 && maxCriticalReserve < 1)) {
      throw new IllegalArgumentException(
          "maxCriticalReserve must be in [0, 1): " + maxCriticalReserve);
    }
  }

  /**
   * On: a one-minute season, three seconds ahead, level 0.2, trend 0.05, season 0.5, 25 % margin,
   * the reserve up to half the global rate.
   */
  public static ForecastConfig defaults() {
    // Level 0.2 averages Poisson noise over about ten seconds yet follows a step within a few; a
    // trend of 0.05 catches a ramp within half a minute; 0.5 per season learns a minute's spike in
    // two or three minutes and forgets a one-off within about five (0.3 takes twice as long).
    return new ForecastConfig(true, 60, 3, 0.2, 0.05, 0.5, 0.25, 0.5);
  }

  /** The defaults, switched off: the reserve and the shares stay as configured. */
  public static ForecastConfig off() {
    return defaults().withEnabled(false);
  }

  public ForecastConfig withEnabled(boolean value) {
    return new ForecastConfig(
        value,
        seasonSeconds,
        horizonSeconds,
        levelSmoothing,
        trendSmoothing,
        seasonSmoothing,
        margin,
        maxCriticalReserve);
  }

  /** The season's length and how far ahead the shaper looks. */
  public ForecastConfig withSeason(int seconds, int horizon) {
    return new ForecastConfig(
        enabled,
        seconds,
        horizon,
        levelSmoothing,
        trendSmoothing,
        seasonSmoothing,
        margin,
        maxCriticalReserve);
  }

  /** Holt-Winters' three smoothing constants. */
  public ForecastConfig withSmoothing(double level, double trend, double season) {
    return new ForecastConfig(
        enabled, seasonSeconds, horizonSeconds, level, trend, season, margin, maxCriticalReserve);
  }

  /** The margin on forecasts and the reserve's ceiling. */
  public ForecastConfig withReserve(double margin, double maxCriticalReserve) {
    return new ForecastConfig(
        enabled,
        seasonSeconds,
        horizonSeconds,
        levelSmoothing,
        trendSmoothing,
        seasonSmoothing,
        margin,
        maxCriticalReserve);
  }
}
