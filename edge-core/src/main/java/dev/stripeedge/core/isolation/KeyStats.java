package dev.stripeedge.core.isolation;

/** One key's recent window and baseline. Thread-safe (its monitor; held for O(1) per answer). */
final class KeyStats {

  private final DecayingWindow recent;
  private final DecayingWindow baseline;
  private volatile boolean frozen;
  private int inFlight;
  private long startSum;

  KeyStats(IsolationConfig.Detection config, long now) {
    this.recent = new DecayingWindow(config.window().toNanos(), now);
    this.baseline = new DecayingWindow(config.baseline().toNanos(), now);
  }

  /** A call is sent at {@code now}. */
  synchronized void begin(long now) {
    inFlight++;
    startSum += now;
  }

  /** The call sent at {@code start} was answered at {@code now}. */
  synchronized void end(long start, long now, DecayingWindow.Answer answer) {
    inFlight--;
    startSum -= start;
    add(now, now - start, answer);
  }

  synchronized int inFlight() {
    return inFlight;
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
        recent.throttled(now),
        inFlight,
        inFlight > 0 ? (now - (double) startSum / inFlight) / 1e6 : 0,
        recent.quantileNanos(0.5) / 1e6,
        baseline.quantileNanos(0.5) / 1e6);
  }
}
