package dev.stripeedge.core.budget;

/**
 * The share of a configured limit in force: cut multiplicatively on a signal, won back additively
 * over time. Not thread-safe: its account's lock guards it.
 */
final class Aimd {

  private final BudgetConfig config;
  private double factor = 1;
  private long updatedNanos;
  private long cutNanos;
  private boolean everCut;

  Aimd(BudgetConfig config, long nowNanos) {
    this.config = config;
    this.updatedNanos = nowNanos;
  }

  /** The share in force at {@code nowNanos}, recovery included. */
  double factor(long nowNanos) {
    long elapsed = nowNanos - updatedNanos;
    if (elapsed > 0) {
      if (factor < 1) {
        factor = Math.min(1, factor + config.recoveryPerSecond() * elapsed / 1e9);
      }
      updatedNanos = nowNanos;
    }
    return factor;
  }

  /** Cuts the share unless a cut happened within the cooldown; true when it did cut. */
  boolean cut(long nowNanos) {
    double current = factor(nowNanos);
    if (everCut && nowNanos - cutNanos < config.cutCooldown().toNanos()) {
      return false;
    }
    factor = Math.max(config.minFactor(), current * config.decrease());
    cutNanos = nowNanos;
    everCut = true;
    return true;
  }
}
