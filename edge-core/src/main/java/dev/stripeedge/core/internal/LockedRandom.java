package dev.stripeedge.core.internal;

import java.util.random.RandomGenerator;

/**
 * A random source safe to share between threads: every draw goes through one lock.
 *
 * <p>The pipeline draws from one source on many threads (idempotency keys, jitter); a seeded {@code
 * SplittableRandom} is not thread-safe and could hand two requests the same key. All of {@link
 * RandomGenerator}'s other methods derive from {@link #nextLong()}.
 */
public final class LockedRandom implements RandomGenerator {

  private final RandomGenerator delegate;

  public LockedRandom(RandomGenerator delegate) {
    this.delegate = delegate;
  }

  @Override
  public synchronized long nextLong() {
    return delegate.nextLong();
  }
}
