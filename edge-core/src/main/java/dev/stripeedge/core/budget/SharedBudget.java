package dev.stripeedge.core.budget;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Token buckets shared by every edge instance that spends one Stripe account's budget: the SPI of a
 * store (Redis) that the shaper leases small batches of tokens from, so several edges together stay
 * within the account's global and per-endpoint rates.
 *
 * <p>Implementations are thread-safe and never block. Their futures complete (exceptionally when
 * the store fails or is slow) on a thread that may run the shaper's work: not an I/O event loop.
 */
public interface SharedBudget {

  /**
   * Takes up to {@code want} whole tokens from the bucket {@code key}, creating it full, refilled
   * at {@code rate} per second by the store's clock and holding at most {@code capacity}.
   *
   * @param key names the account (a keyed hash, never an API key) and the limiter
   */
  CompletableFuture<Grant> lease(String key, double rate, double capacity, int want);

  /**
   * Marks this edge alive for {@code ttl} and answers how many edges are alive, this one included:
   * what the local fair share divides by while the store is unreachable.
   */
  CompletableFuture<Integer> announce(Duration ttl);

  /** False once closed: the shaper stops announcing. */
  boolean open();

  /**
   * What a lease got.
   *
   * @param tokens tokens granted, 0 when the bucket holds not one whole token
   * @param nanosUntilRefilled when the bucket will hold the tokens asked for again, 0 if it does:
   *     an edge that got fewer asks again no sooner (else competing edges, or an edge paced by its
   *     own buckets, would split the bucket into leases of one token: a round trip per request)
   */
  record Grant(int tokens, long nanosUntilRefilled) {

    public Grant {
      if (tokens < 0 || nanosUntilRefilled < 0) {
        throw new IllegalArgumentException(
            "a grant is never negative: tokens="
                + tokens
                + " nanosUntilRefilled="
                + nanosUntilRefilled);
      }
    }
  }
}
