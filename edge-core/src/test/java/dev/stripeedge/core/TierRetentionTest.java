package dev.stripeedge.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Tiers keeping entries past memory's TTL: each tier's expiry from its retention, a hit past its
 * TTL served only while the event stream covers it, and events' copies reaching the tiers. On
 * manual time; the tiers are maps keeping {@link CacheTier}'s contract (expiry, invalidation
 * markers with a clock tolerance, newer fetch wins).
 */
class TierRetentionTest {

  private static final String VERSION = "2024-06-20";

  private final ManualTime time = new ManualTime();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final StreamHealth stream = StreamHealth.of(time.clock(), Duration.ofMinutes(5));

  private final Upstream upstream =
      (request, timeout) -> {
        int call = upstreamCalls.incrementAndGet();
        String id = request.path().substring(request.path().lastIndexOf('/') + 1);
        String body =
            "{\"id\":\"" + id + "\",\"object\":\"customer\",\"name\":\"call " + call + "\"}";
        return CompletableFuture.completedFuture(
            new EdgeResponse(
                200,
                Map.of(
                    "content-type", List.of("application/json"),
                    "stripe-version", List.of(VERSION)),
                body.getBytes(UTF_8)));
      };

  /** A map as a tier, with the contract's expiry, markers (1 s tolerance) and ordering. */
  private final class MapTier implements CacheTier {
    final String name;
    final Map<String, TierEntry> entries = new ConcurrentHashMap<>();
    final Map<String, Long> invalidatedAt = new ConcurrentHashMap<>();

    MapTier(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public CompletableFuture<@Nullable TierEntry> get(String key) {
      TierEntry entry = entries.get(key);
      return CompletableFuture.completedFuture(
          entry != null && entry.liveAt(time.clock().millis()) ? entry : null);
    }

    @Override
    public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
      Map<String, TierEntry> found = new HashMap<>();
      for (String key : keys) {
        TierEntry entry = get(key).join();
        if (entry != null) {
          found.put(key, entry);
        }
      }
      return CompletableFuture.completedFuture(found);
    }

    @Override
    public synchronized CompletableFuture<Boolean> put(TierEntry entry) {
      for (String id : entry.ids()) {
        Long at = invalidatedAt.get(id);
        if (at != null && entry.fetchStartedMillis() <= at + 1000) {
          return CompletableFuture.completedFuture(false);
        }
      }
      TierEntry held = entries.get(entry.key());
      if (held != null && held.fetchStartedMillis() >= entry.fetchStartedMillis()) {
        return CompletableFuture.completedFuture(false);
      }
      entries.put(entry.key(), entry);
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public synchronized CompletableFuture<Void> invalidate(Collection<String> ids) {
      long now = time.clock().millis();
      ids.forEach(id -> invalidatedAt.put(id, now));
      entries.values().removeIf(e -> e.ids().stream().anyMatch(ids::contains));
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {}

    TierEntry only() {
      assertThat(entries).hasSize(1);
      return entries.values().iterator().next();
    }
  }

  private EdgePipeline edge(CacheConfig cache, CacheTier... tiers) {
    EdgePipeline.Builder builder =
        EdgePipeline.builder(upstream)
            .cacheConfig(cache)
            .ticker(time)
            .clock(time.clock())
            .random(new SplittableRandom(7))
            .meterRegistry(meters)
            .streamHealth(stream);
    for (CacheTier tier : tiers) {
      builder.tier(tier);
    }
    return builder.build();
  }

  private static EdgeResponse get(EdgePipeline edge, String customer) {
    return edge.handle(
            new EdgeRequest(
                "GET",
                "/v1/customers/" + customer,
                "",
                Map.of(
                    "Authorization", List.of("Bearer sk_test_retention"),
                    "Stripe-Version", List.of(VERSION)),
                new byte[0]))
        .orTimeout(10, TimeUnit.SECONDS)
        .join();
  }

  /** Moves time by {@code total}, a webhook delivery arriving every minute. */
  private void healthyFor(Duration total) {
    for (long m = 0; m < total.toMinutes(); m++) {
      time.advance(Duration.ofMinutes(1));
      stream.deliverySeen();
    }
  }

  private double retained(String tier, String outcome) {
    var counter =
        meters
            .find("stripe.edge.tier.retained")
            .tag("tier", tier)
            .tag("outcome", outcome)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void eachTierStoresAFillForItsOwnRetentionAndAResourceMayOverrideIt() {
    MapTier redis = new MapTier("redis");
    MapTier sqlite = new MapTier("sqlite");
    CacheConfig cache =
        CacheConfig.defaults()
            .withRetention(
                RetentionConfig.defaults()
                    .withResource("payment_intents", "sqlite", Duration.ofHours(2)));
    EdgePipeline edge = edge(cache, redis, sqlite);

    get(edge, "cus_1");
    TierEntry inRedis = redis.only();
    TierEntry inSqlite = sqlite.only();

    assertThat(inRedis.expiresAtMillis() - inRedis.fetchStartedMillis())
        .isEqualTo(Duration.ofHours(1).toMillis());
    assertThat(inSqlite.expiresAtMillis() - inSqlite.fetchStartedMillis())
        .isEqualTo(Duration.ofHours(24).toMillis());
    assertThat(cache.retention().retention("sqlite", "payment_intents"))
        .isEqualTo(Duration.ofHours(2));
    assertThat(cache.retention().retention("redis", "payment_intents"))
        .isEqualTo(Duration.ofHours(1));
  }

  @Test
  void aTierThatKeepsAsMemoryStoresForTheRulesWindowsOnly() {
    MapTier sqlite = new MapTier("sqlite");
    EdgePipeline edge =
        edge(CacheConfig.defaults().withRetention(RetentionConfig.asMemory()), sqlite);

    get(edge, "cus_1");
    TierEntry entry = sqlite.only();

    // customers: 60 s TTL + 5 min stale-if-error, as before tiers had a retention of their own.
    assertThat(entry.expiresAtMillis() - entry.fetchStartedMillis())
        .isEqualTo(Duration.ofMinutes(6).toMillis());
  }

  @Test
  void anEntryPastItsTtlIsServedFromTheTierWhileTheStreamIsHealthy() {
    MapTier sqlite = new MapTier("sqlite");
    EdgePipeline edge = edge(CacheConfig.defaults(), sqlite);
    stream.deliverySeen();
    time.advance(Duration.ofSeconds(1));

    get(edge, "cus_1");
    healthyFor(Duration.ofHours(3));
    EdgeResponse later = get(edge, "cus_1");

    assertThat(upstreamCalls).hasValue(1);
    assertThat(later.bodyText()).contains("call 1");
    assertThat(later.header("cache-status")).contains("sqlite");
    assertThat(Long.parseLong(later.header("age"))).isGreaterThanOrEqualTo(3 * 3600);
    assertThat(retained("sqlite", "served")).isEqualTo(1);
  }

  @Test
  void anEntryPastItsTtlIsRevalidatedOnceTheStreamGoesQuiet() {
    MapTier sqlite = new MapTier("sqlite");
    EdgePipeline edge = edge(CacheConfig.defaults(), sqlite);
    stream.deliverySeen();
    time.advance(Duration.ofSeconds(1));
    get(edge, "cus_1");
    healthyFor(Duration.ofHours(1));

    time.advance(Duration.ofMinutes(6)); // no delivery, no reconciler pass: quiet
    EdgeResponse later = get(edge, "cus_1");

    assertThat(upstreamCalls).hasValue(2);
    assertThat(later.bodyText()).contains("call 2");
    assertThat(retained("sqlite", "revalidated")).isEqualTo(1);
    // The revalidated answer is stored again, for another day.
    assertThat(sqlite.only().fetchStartedMillis()).isEqualTo(time.clock().millis());
  }

  @Test
  void anEntryFetchedBeforeTheStreamWasHeardIsRevalidatedThoughItIsHealthyNow() {
    MapTier sqlite = new MapTier("sqlite");
    EdgePipeline edge = edge(CacheConfig.defaults(), sqlite);
    get(edge, "cus_1"); // before any delivery: a restart's durable tier is like this

    healthyFor(Duration.ofMinutes(30));
    get(edge, "cus_1");

    assertThat(upstreamCalls).hasValue(2);
  }

  @Test
  void pastTheTiersRetentionTheEntryIsGoneWhateverTheStream() {
    MapTier redis = new MapTier("redis");
    EdgePipeline edge = edge(CacheConfig.defaults(), redis);
    stream.deliverySeen();
    time.advance(Duration.ofSeconds(1));
    get(edge, "cus_1");

    healthyFor(Duration.ofMinutes(61));
    get(edge, "cus_1");

    assertThat(upstreamCalls).hasValue(2);
  }

  @Test
  void anEventsCopyReachesEveryTierAndAnswersFromThereLikeAFill() {
    MapTier redis = new MapTier("redis");
    MapTier sqlite = new MapTier("sqlite");
    EdgePipeline edge = edge(CacheConfig.defaults(), redis, sqlite);
    stream.deliverySeen();
    time.advance(Duration.ofSeconds(1));
    get(edge, "cus_1");
    time.advance(Duration.ofSeconds(3));

    long changedAt = time.clock().millis() / 1000 + 1;
    boolean everywhere =
        edge.refreshAcknowledged(
                new ObjectChange(
                    "cus_1",
                    changedAt,
                    VERSION,
                    "{\"id\":\"cus_1\",\"object\":\"customer\",\"name\":\"from the event\"}"
                        .getBytes(UTF_8)))
            .join();

    assertThat(everywhere).isTrue();
    for (MapTier tier : List.of(redis, sqlite)) {
      assertThat(new String(tier.only().value(), UTF_8)).as(tier.name).contains("from the event");
      assertThat(tier.only().ids()).contains("cus_1", "changed-at:" + changedAt);
    }
    // Past memory's windows, the tier's copy answers while the stream is healthy.
    healthyFor(Duration.ofMinutes(30));
    EdgeResponse later = get(edge, "cus_1");
    assertThat(later.bodyText()).contains("from the event");
    assertThat(upstreamCalls).hasValue(1);
    // The next event drops it from every tier.
    edge.refreshAcknowledged(
            new ObjectChange(
                "cus_1",
                time.clock().millis() / 1000 + 1,
                VERSION,
                "{\"id\":\"cus_1\",\"object\":\"customer\",\"name\":\"newer\"}".getBytes(UTF_8)))
        .join();
    assertThat(redis.entries).isEmpty();
    assertThat(sqlite.entries).isEmpty();
  }

  @Test
  void anEventsCopyInATierIsFreshForSecondsOnlyAndThenNeedsTheStream() {
    MapTier sqlite = new MapTier("sqlite");
    EdgePipeline edge = edge(CacheConfig.defaults(), sqlite); // the stream is never heard
    get(edge, "cus_1");
    time.advance(Duration.ofSeconds(3));
    edge.refreshAcknowledged(
            new ObjectChange(
                "cus_1",
                time.clock().millis() / 1000 + 1,
                VERSION,
                "{\"id\":\"cus_1\",\"object\":\"customer\",\"name\":\"from the event\"}"
                    .getBytes(UTF_8)))
        .join();
    assertThat(new String(sqlite.only().value(), UTF_8)).contains("from the event");

    // 20 s on: within customers' 60 s TTL, past the copy's 5 s, and no stream to vouch for it.
    time.advance(Duration.ofSeconds(20));
    EdgeResponse later = get(edge, "cus_1");

    assertThat(upstreamCalls).hasValue(2);
    assertThat(later.bodyText()).contains("call 2");
  }

  private static ObjectChange change(String customer, long second, String name) {
    return new ObjectChange(
        customer,
        second,
        VERSION,
        ("{\"id\":\"" + customer + "\",\"object\":\"customer\",\"name\":\"" + name + "\"}")
            .getBytes(UTF_8));
  }

  /** Stripe's answer cached (call 1), then 3 s later an event's copy ("from the event"). */
  private void fillThenApplyAnEvent(EdgePipeline edge) {
    get(edge, "cus_1");
    time.advance(Duration.ofSeconds(3));
    edge.refresh(change("cus_1", time.clock().millis() / 1000 + 1, "from the event"));
  }

  @Test
  void anEventsCopyPastItsSecondsAnswersWhileStripeConfirmsItInTheBackground() {
    EdgePipeline edge = edge(CacheConfig.defaults()); // memory only; customers' TTL is 60 s
    fillThenApplyAnEvent(edge);

    // Past the copy's 5 s, within the next 5: the reader gets the copy at once, not Stripe's
    // latency, and Stripe is asked beside it.
    time.advance(Duration.ofSeconds(6));
    EdgeResponse revalidating = get(edge, "cus_1");
    assertThat(revalidating.bodyText()).contains("from the event");
    assertThat(revalidating.header("cache-status")).contains("stale-while-revalidate");
    assertThat(upstreamCalls).hasValue(2);

    EdgeResponse confirmed = get(edge, "cus_1");
    assertThat(confirmed.bodyText()).contains("call 2");
    assertThat(confirmed.header("cache-status")).isEqualTo("stripe-edge; hit");
  }

  @Test
  void anEventsCopyIsNeverServedPastItsResourcesOwnTtl() {
    EdgePipeline edge = edge(CacheConfig.defaults().withTtl("customers", Duration.ofSeconds(5)));
    fillThenApplyAnEvent(edge);

    time.advance(Duration.ofSeconds(6));
    EdgeResponse later = get(edge, "cus_1");

    assertThat(later.bodyText()).contains("call 2");
    assertThat(later.header("cache-status")).contains("fwd=miss");
  }

  @Test
  void pastItsRevalidationWindowAnEventsCopyWaitsForStripe() {
    EdgePipeline edge = edge(CacheConfig.defaults());
    fillThenApplyAnEvent(edge);

    time.advance(Duration.ofSeconds(11));
    EdgeResponse later = get(edge, "cus_1");

    assertThat(later.bodyText()).contains("call 2");
    assertThat(later.header("cache-status")).contains("fwd=miss");
  }
}
