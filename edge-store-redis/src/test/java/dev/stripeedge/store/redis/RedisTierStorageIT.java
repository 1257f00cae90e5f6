package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.testkit.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the tier leaves in Redis, and the choices the contract kit does not see. */
class RedisTierStorageIT {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private final String run = UUID.randomUUID().toString().substring(0, 8);

  private static RedisTierConfig config() {
    return RedisTierConfig.standalone(redis.uri()).withCommandTimeout(Duration.ofSeconds(2));
  }

  private String id(String name) {
    return "cus_" + run + name;
  }

  private String key(String name) {
    return "storage:" + run + ":" + name;
  }

  private TierEntry entry(String name, long fetchStarted, long expiresAt) {
    return new TierEntry(
        key(name),
        name.getBytes(StandardCharsets.UTF_8),
        Set.of(id(name)),
        fetchStarted,
        expiresAt);
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private static long pttl(String key) {
    String reply = redis.command("PTTL " + key);
    assertThat(reply).as("PTTL %s", key).startsWith(":");
    return Long.parseLong(reply.substring(1));
  }

  @Test
  void entriesAndIndexesExpireWithTheEntryAndMarkersAfterTheMemory() throws Exception {
    try (RedisTier tier = RedisTier.connect(config())) {
      await(tier.put(entry("a", now(), now() + 60_000)));

      assertThat(pttl("stripe-edge:e:" + key("a"))).isBetween(1L, 60_000L);
      assertThat(pttl("stripe-edge:id:{" + id("a") + "}:keys")).isBetween(1L, 60_000L);

      await(tier.invalidate(List.of(id("a"))));

      assertThat(redis.command("EXISTS stripe-edge:e:" + key("a"))).isEqualTo(":0");
      assertThat(redis.command("EXISTS stripe-edge:id:{" + id("a") + "}:keys")).isEqualTo(":0");
      assertThat(pttl("stripe-edge:id:{" + id("a") + "}:inv"))
          .isBetween(1L, RedisTierConfig.DEFAULT_INVALIDATION_MEMORY.toMillis());
    }
  }

  @Test
  void anIndexLivesAsLongAsItsLongestLivedEntry() throws Exception {
    try (RedisTier tier = RedisTier.connect(config())) {
      String shared = id("shared");
      long now = now();
      await(
          tier.put(new TierEntry(key("long"), new byte[] {1}, Set.of(shared), now, now + 120_000)));
      await(
          tier.put(new TierEntry(key("short"), new byte[] {2}, Set.of(shared), now, now + 5_000)));

      // The short entry must not cut the index's life below the long one's.
      assertThat(pttl("stripe-edge:id:{" + shared + "}:keys")).isGreaterThan(60_000L);
    }
  }

  @Test
  void keysLiveUnderTheConfiguredPrefix() throws Exception {
    try (RedisTier mine = RedisTier.connect(config().withKeyPrefix("tenant-a:"));
        RedisTier theirs = RedisTier.connect(config().withKeyPrefix("tenant-b:"))) {
      await(mine.put(entry("p", now(), now() + 60_000)));

      assertThat(redis.command("EXISTS tenant-a:e:" + key("p"))).isEqualTo(":1");
      assertThat(await(theirs.get(key("p")))).isNull();
    }
  }

  @Test
  void scriptsFlushedFromRedisAreSentAgain() throws Exception {
    try (RedisTier tier = RedisTier.connect(config())) {
      assertThat(await(tier.put(entry("before", now(), now() + 60_000)))).isTrue();

      assertThat(redis.command("SCRIPT FLUSH")).isEqualTo("+OK");

      assertThat(await(tier.put(entry("after", now(), now() + 60_000)))).isTrue();
      await(tier.invalidate(List.of(id("after"))));
      assertThat(await(tier.get(key("after")))).isNull();
    }
  }

  @Test
  void anOldEntryPromotedFromASlowerTierIsStoredUnlessAMarkerCoversIt() throws Exception {
    try (RedisTier tier = RedisTier.connect(config())) {
      long twoHoursAgo = now() - Duration.ofHours(2).toMillis();
      assertThat(await(tier.put(entry("promoted", twoHoursAgo, now() + 60_000)))).isTrue();

      await(tier.invalidate(List.of(id("covered"))));
      assertThat(await(tier.put(entry("covered", twoHoursAgo, now() + 60_000)))).isFalse();
    }
  }

  @Test
  void invalidationMarkersUseRedisTimeNotTheInstanceClock() throws Exception {
    Clock hourAhead = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
    Clock hourBehind = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
    long tolerance = RedisTierConfig.DEFAULT_CLOCK_TOLERANCE.toMillis();
    try (RedisTier fast = RedisTier.connect(config(), hourAhead);
        RedisTier slow = RedisTier.connect(config(), hourBehind);
        RedisTier fill = RedisTier.connect(config())) {
      await(fast.invalidate(List.of(id("fast"))));
      await(slow.invalidate(List.of(id("slow"))));

      // A fast clock's marker would refuse this fresh fill for an hour.
      assertThat(await(fill.put(entry("fast", now() + tolerance + 1_000, now() + 60_000))))
          .isTrue();
      // A slow clock's marker would let this stale fill through.
      assertThat(await(fill.put(entry("slow", now() - 5_000, now() + 60_000)))).isFalse();
    }
  }

  @Test
  void anInstanceWhoseClockIsPastTheExpiryDoesNotReturnTheEntry() throws Exception {
    Clock tenMinutesAhead = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));
    try (RedisTier writer = RedisTier.connect(config());
        RedisTier ahead = RedisTier.connect(config(), tenMinutesAhead)) {
      TierEntry entry = entry("skewed", now(), now() + 5 * 60_000);
      assertThat(await(writer.put(entry))).isTrue();

      // Redis keeps it (its PEXPIREAT is minutes away); the reader's own check drops it.
      assertThat(await(writer.get(entry.key()))).isEqualTo(entry);
      assertThat(await(ahead.get(entry.key()))).isNull();
    }
  }

  @Test
  void aClosedTierSaysSo() {
    RedisTier tier = RedisTier.connect(config());
    tier.close();

    assertThat(tier.get(key("closed")))
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withMessageContaining("closed");
  }

  @Test
  void anIdWithANewlineIsRefusedWithAClearError() {
    try (RedisTier tier = RedisTier.connect(config())) {
      TierEntry bad = new TierEntry(key("nl"), new byte[] {1}, Set.of("cus_\nx"), now(), now() + 1);

      assertThat(tier.put(bad))
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCauseInstanceOf(IllegalArgumentException.class)
          .withMessageContaining("newline");
    }
  }
}
