package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.SimConfig;
import java.util.SplittableRandom;

/**
 * Samples simulated server time: log-normal around each class's median, with the configured
 * p99/median ratio for the tail. Seeded; thread-safe (one lock, held for a few nanoseconds).
 */
final class LatencyModel {

  /** z-score of the 99th percentile of a standard normal. */
  private static final double Z99 = 2.3263;

  private final SplittableRandom random;

  LatencyModel(long seed) {
    this.random = new SplittableRandom(seed);
  }

  long sampleMillis(SimConfig.Latency latency, Route.Kind kind) {
    if (!latency.enabled()) {
      return 0;
    }
    double median =
        switch (kind) {
          case READ -> latency.readMedianMs();
          case LIST, SEARCH -> latency.listMedianMs();
          case WRITE -> latency.writeMedianMs();
          case PAYMENT -> latency.paymentMedianMs();
        };
    if (median <= 0) {
      return 0;
    }
    double sigma = Math.log(latency.tailFactor()) / Z99;
    double gaussian;
    synchronized (random) {
      gaussian = gaussian();
    }
    return Math.round(median * Math.exp(sigma * gaussian));
  }

  private double gaussian() {
    // Box-Muller; SplittableRandom has no nextGaussian before Java 17's RandomGenerator default.
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
