package dev.stripeedge.lambda;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The pipeline's random source (retry jitter, generated idempotency keys) with a seed that can be
 * replaced: environments restored from one SnapStart snapshot all start with the state it held, and
 * would draw the same idempotency keys until each re-seeds it from fresh entropy.
 *
 * <p>Thread-safe.
 */
final class ReseedableRandom implements RandomGenerator {

  private SplittableRandom random;

  ReseedableRandom(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** Draws from a new generator seeded with {@code seed} from now on. */
  synchronized void reseed(long seed) {
    random = new SplittableRandom(seed);
  }

  @Override
  public synchronized long nextLong() {
    return random.nextLong();
  }
}
