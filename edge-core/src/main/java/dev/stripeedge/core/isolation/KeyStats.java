package dev.stripeedge.core.isolation;

/** One key's recent window and baseline. Thread-safe (its monitor; held for O(1) per answer). */
final class KeyStats {

  private final DecayingWindow recent;
  private final DecayingWindow baseline;
  private volatile boolean frozen;

  KeyStats(IsolationConfig.Detection config, long now) {
    this.recent = new DecayingWindow(config.window().toNanos(), now);
    this.baseline = new DecayingWindow(config.baseline().toNanos(), now);
  }

  synchronized void add(long now, long latencyNanos, DecayingWindow.Answer answer) {
    recent.add(now, latencyNanos, answer);
    // A flagged key's answers would teach the baseline that slow is normal.
    if (!frozen) {
      baseline.add(now, latencyNanos, answer);
    }
  }

  /** Freezes the baseline while the key is flagged. */
  void freeze(boolean value) {
    frozen = value;
  }

  synchronized KeyFigures figures(long now) {
    double samples = recent.samples(now);
    return new KeyFigures(
        samples,
        recent.quantileNanos(0.95) / 1e6,
        baseline.samples(now),
        baseline.quantileNanos(0.95) / 1e6,
        Double.NaN,
        samples > 0 ? recent.errors(now) / samples : 0,
        recent.throttled(now));
  }
}
