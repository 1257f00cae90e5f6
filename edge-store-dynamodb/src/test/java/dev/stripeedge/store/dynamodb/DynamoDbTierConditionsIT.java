package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The put conditions where the kit leaves room: the clock tolerance and expired entries. */
class DynamoDbTierConditionsIT {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final DynamoDbTier tier =
      DynamoDbLocalExtension.open(
          DYNAMODB.config("edge_cache_conditions").clockTolerance(Duration.ofSeconds(2)).build(),
          registry);

  @AfterEach
  void close() {
    tier.close();
  }

  private static <T> T await(CompletableFuture<T> future) {
    return future.orTimeout(30, TimeUnit.SECONDS).join();
  }

  private TierEntry entry(String body, long fetchStarted, long expiresAt) {
    return new TierEntry(
        "conditions:" + run,
        body.getBytes(StandardCharsets.UTF_8),
        Set.of("cus_" + run),
        fetchStarted,
        expiresAt);
  }

  private double puts(String outcome) {
    var counter = registry.find("stripe.edge.tier.puts").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aFetchStartedWithinTheClockToleranceAfterAnInvalidationIsRefused() {
    await(tier.invalidate(List.of("cus_" + run)));
    long now = System.currentTimeMillis();

    // Another instance's clock may run up to 2 s ahead: its "later" fetch may predate the write.
    assertThat(await(tier.put(entry("maybe-stale", now + 1_000, now + 60_000)))).isFalse();

    assertThat(await(tier.get("conditions:" + run))).isNull();
    assertThat(puts("invalidated")).isEqualTo(1);
  }

  @Test
  void anExpiredEntryDynamoDbHasNotDeletedDoesNotBlockAnOlderFetch() throws InterruptedException {
    long now = System.currentTimeMillis();
    assertThat(await(tier.put(entry("newer-short", now, now + 300)))).isTrue();
    Thread.sleep(500);

    TierEntry older = entry("older-long", now - 1_000, System.currentTimeMillis() + 60_000);
    assertThat(await(tier.put(older))).isTrue();

    assertThat(await(tier.get("conditions:" + run))).isEqualTo(older);
  }

  @Test
  void anEqualFetchStartDoesNotReplace() {
    long now = System.currentTimeMillis();
    assertThat(await(tier.put(entry("first", now, now + 60_000)))).isTrue();

    assertThat(await(tier.put(entry("second", now, now + 60_000)))).isFalse();

    assertThat(await(tier.get("conditions:" + run)).value())
        .isEqualTo("first".getBytes(StandardCharsets.UTF_8));
    assertThat(puts("older")).isEqualTo(1);
  }
}
