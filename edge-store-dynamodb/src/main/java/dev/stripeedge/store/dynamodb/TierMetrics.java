package dev.stripeedge.store.dynamodb;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The tier's meters: puts by outcome (stored, or why not), calls that failed by operation, and keys
 * a batch read gave up on. Tags are bounded: a few outcomes, a few operations.
 */
final class TierMetrics {

  private final MeterRegistry registry;
  private final Map<String, Counter> puts = new ConcurrentHashMap<>();
  private final Map<String, Counter> failures = new ConcurrentHashMap<>();
  private final Counter unprocessedKeys;

  TierMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.unprocessedKeys =
        Counter.builder("stripe.edge.tier.unprocessed.keys")
            .description("Keys a batch read left unread after its retries: answered as misses")
            .tag("tier", DynamoDbTier.NAME)
            .register(registry);
  }

  void put(PutOutcome outcome) {
    puts.computeIfAbsent(
            outcome.tag(),
            tag ->
                Counter.builder("stripe.edge.tier.puts")
                    .description("Puts into a cache tier, by outcome")
                    .tag("tier", DynamoDbTier.NAME)
                    .tag("outcome", tag)
                    .register(registry))
        .increment();
  }

  void failed(String operation) {
    failures
        .computeIfAbsent(
            operation,
            op ->
                Counter.builder("stripe.edge.tier.failures")
                    .description("Cache tier calls that completed exceptionally")
                    .tag("tier", DynamoDbTier.NAME)
                    .tag("operation", op)
                    .register(registry))
        .increment();
  }

  /** Runs one tier call: a failure, thrown or completed, completes the future and is counted. */
  <T extends @Nullable Object> CompletableFuture<T> call(
      String operation, Supplier<CompletableFuture<T>> body) {
    CompletableFuture<T> future;
    try {
      future = body.get();
    } catch (RuntimeException e) {
      future = CompletableFuture.failedFuture(e);
    }
    return future.whenComplete(
        (result, failure) -> {
          if (failure != null) {
            failed(operation);
          }
        });
  }

  void unprocessed(int keys) {
    unprocessedKeys.increment(keys);
  }

  /** Why a put was or was not stored. */
  enum PutOutcome {
    STORED,
    /** The stored entry's fetch started later (or at the same time). */
    OLDER,
    /** An id was invalidated at or after the fetch started. */
    INVALIDATED,
    /** Another write to the same items was in flight; refusing is the safe answer. */
    CONFLICT,
    /** Already past its expiry: nothing to store. */
    EXPIRED,
    /** Larger than maxValueBytes or than an item holds. */
    TOO_LARGE,
    /** More ids than one transaction can index. */
    TOO_MANY_IDS,
    /** An id that is empty or longer than a DynamoDB key holds. */
    BAD_ID;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
