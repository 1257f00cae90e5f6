package dev.stripeedge.core.budget;

/**
 * How an account's global rate in force is split: a pure rule. Without forecasting, the critical
 * reserve is the configured fraction and the rest is shared. Under forecasting, the reserve follows
 * critical's forecast peak (never below the configured fraction, never above {@link
 * ForecastConfig#maxCriticalReserve}), and background's allowance is what critical and normal are
 * forecast to leave, but never less than background's weighted share.
 *
 * @param shared the shared bucket's rate, per second
 * @param reserved the critical reserve's rate, per second
 * @param allowance background's allowance, per second; NaN when not forecasting
 */
record RateAllocation(double shared, double reserved, double allowance) {

  /**
   * Splits {@code config}'s global rate cut to {@code factor} (AIMD).
   *
   * @param criticalPeak critical's forecast peak, per second (ignored unless {@code forecasting})
   * @param normalPeak normal's forecast peak, per second (ignored unless {@code forecasting})
   */
  static RateAllocation of(
      BudgetConfig config,
      double factor,
      boolean forecasting,
      double criticalPeak,
      double normalPeak) {
    double rate = config.globalRate() * factor;
    double reserve = config.criticalReserve();
    double allowance = Double.NaN;
    if (forecasting) {
      ForecastConfig forecast = config.forecast();
      double ahead = 1 + forecast.margin();
      double critical = criticalPeak * ahead;
      reserve = Math.max(reserve, Math.min(forecast.maxCriticalReserve(), critical / rate));
      double share =
          rate
              * (1 - reserve)
              * config.weight(Lane.BACKGROUND)
              / (config.weight(Lane.CRITICAL)
                  + config.weight(Lane.NORMAL)
                  + config.weight(Lane.BACKGROUND));
      double others = critical + normalPeak * ahead;
      allowance = Math.max(share, rate - others);
    }
    return new RateAllocation(rate * (1 - reserve), rate * reserve, allowance);
  }
}
