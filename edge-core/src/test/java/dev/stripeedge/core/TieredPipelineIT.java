package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.internal.ResponseCodec;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The pipeline's side of tiers that only this module can see: remote news and lost messages. */
class TieredPipelineIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final AtomicLong SEEDS = new AtomicLong(5_000);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Upstream jdk = Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(5));

  /** A map as a tier that records what reaches it and can fail its invalidations. */
  private static final class RecordingTier implements CacheTier {
    final String name;
    final Map<String, TierEntry> entries = new ConcurrentHashMap<>();
    final List<Collection<String>> invalidated = new CopyOnWriteArrayList<>();
    final AtomicInteger invalidationsToFail = new AtomicInteger();
    volatile @Nullable Consumer<Collection<String>> listener;
    volatile @Nullable Runnable gapListener;

    RecordingTier(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public CompletableFuture<@Nullable TierEntry> get(String key) {
      return CompletableFuture.completedFuture(entries.get(key));
    }

    @Override
    public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
      Map<String, TierEntry> found = new HashMap<>();
      keys.forEach(k -> found.computeIfAbsent(k, entries::get));
      found.values().removeIf(v -> v == null);
      return CompletableFuture.completedFuture(found);
    }

    @Override
    public CompletableFuture<Boolean> put(TierEntry entry) {
      entries.put(entry.key(), entry);
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<Void> invalidate(Collection<String> ids) {
      if (invalidationsToFail.getAndDecrement() > 0) {
        return CompletableFuture.failedFuture(new IllegalStateException("connection lost"));
      }
      invalidated.add(List.copyOf(ids));
      entries.values().removeIf(e -> e.ids().stream().anyMatch(ids::contains));
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onRemoteInvalidation(Consumer<Collection<String>> listener) {
      this.listener = listener;
    }

    @Override
    public void onBroadcastGap(Runnable listener) {
      this.gapListener = listener;
    }

    @Override
    public void close() {}

    boolean received(String id) {
      return invalidated.stream().anyMatch(ids -> ids.contains(id));
    }
  }

  private EdgePipeline edge(CacheTier... tiers) {
    return edge(jdk, tiers);
  }

  private EdgePipeline edge(Upstream upstream, CacheTier... tiers) {
    EdgePipeline.Builder builder =
        EdgePipeline.builder(upstream)
            .random(new SplittableRandom(SEEDS.incrementAndGet()))
            .scheduler(delay -> CompletableFuture.completedFuture(null))
            .cacheKeySecret(new byte[32])
            .meterRegistry(meters);
    for (CacheTier tier : tiers) {
      builder.tier(tier);
    }
    return builder.build();
  }

  private static EdgeRequest get(String key, String path) {
    return new EdgeRequest(
        "GET", path, "", Map.of("Authorization", List.of("Bearer " + key)), new byte[0]);
  }

  private static EdgeResponse call(EdgePipeline pipeline, EdgeRequest request) {
    return pipeline.handle(request).orTimeout(10, TimeUnit.SECONDS).join();
  }

  private static EdgeRequest post(String key, String path, String form) {
    return new EdgeRequest(
        "POST",
        path,
        "",
        Map.of(
            "Authorization", List.of("Bearer " + key),
            "Content-Type", List.of("application/x-www-form-urlencoded")),
        form.getBytes(StandardCharsets.UTF_8));
  }

  private String customer(String key) {
    EdgeResponse created =
        call(
            edge(),
            new EdgeRequest(
                "POST",
                "/v1/customers",
                "",
                Map.of(
                    "Authorization", List.of("Bearer " + key),
                    "Content-Type", List.of("application/x-www-form-urlencoded")),
                "name=Remote".getBytes(StandardCharsets.UTF_8)));
    Matcher matcher = ID.matcher(created.bodyText());
    assertThat(matcher.find()).isTrue();
    return matcher.group(1);
  }

  private static void eventually(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** A customer read through an edge with a shared and a local tier, cached in all three. */
  private record Cached(
      String customer,
      RecordingTier shared,
      RecordingTier local,
      EdgePipeline edge,
      EdgeRequest read) {}

  private Cached cachedInSharedAndLocal(String key) {
    String customer = customer(key);
    RecordingTier shared = new RecordingTier("shared");
    RecordingTier local = new RecordingTier("local");
    EdgePipeline edge = edge(shared, local);
    EdgeRequest read = get(key, "/v1/customers/" + customer);
    call(edge, read);
    assertThat(call(edge, read).header("cache-status")).isEqualTo("stripe-edge; hit");
    eventually(
        "the fill reaches both tiers",
        () -> shared.entries.size() == 1 && local.entries.size() == 1);
    return new Cached(customer, shared, local, edge, read);
  }

  @Test
  void aRefundsSideEffectReachesTheTierSoAnotherEdgeReadsTheRefundedCharge() {
    String key = "sk_test_tiered_refund";
    RecordingTier shared = new RecordingTier("shared");
    EdgePipeline first = edge(shared);
    EdgeResponse intent =
        call(
            first,
            post(
                key,
                "/v1/payment_intents",
                "amount=2000&currency=usd&confirm=true&payment_method=pm_card_visa"
                    + "&payment_method_types[]=card"));
    Matcher charge =
        Pattern.compile("\"latest_charge\"\\s*:\\s*\"([^\"]+)\"").matcher(intent.bodyText());
    assertThat(charge.find()).isTrue();
    EdgeRequest read = get(key, "/v1/charges/" + charge.group(1));
    call(first, read);
    eventually("the charge reaches the tier", () -> shared.entries.size() == 1);

    Matcher intentId = ID.matcher(intent.bodyText());
    assertThat(intentId.find()).isTrue();
    call(first, post(key, "/v1/refunds", "payment_intent=" + intentId.group(1)));
    eventually("the tier drops the charge", () -> shared.received(charge.group(1)));
    assertThat(shared.entries).isEmpty();
    EdgeResponse elsewhere = call(edge(shared), read);

    assertThat(elsewhere.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(elsewhere.bodyText()).contains("\"refunded\":true");
  }

  @Test
  void aRefundRacingTheChargesMissLeavesNoStaleChargeInTheSharedTier() throws Exception {
    String key = "sk_test_tiered_refund_race";
    RecordingTier shared = new RecordingTier("shared");
    EdgeResponse intent =
        call(
            edge(shared),
            post(
                key,
                "/v1/payment_intents",
                "amount=2000&currency=usd&confirm=true&payment_method=pm_card_visa"
                    + "&payment_method_types[]=card"));
    Matcher charge =
        Pattern.compile("\"latest_charge\"\\s*:\\s*\"([^\"]+)\"").matcher(intent.bodyText());
    Matcher intentId = ID.matcher(intent.bodyText());
    assertThat(charge.find() && intentId.find()).isTrue();
    // The charge's first read answers before the refund and fills after it.
    CountDownLatch readDone = new CountDownLatch(1);
    CountDownLatch writeDone = new CountDownLatch(1);
    Upstream racing =
        (request, timeout) -> {
          CompletableFuture<EdgeResponse> answer = jdk.send(request, timeout);
          if (!request.method().equals("GET") || readDone.getCount() == 0) {
            return answer;
          }
          return answer.thenApplyAsync(
              response -> {
                readDone.countDown();
                awaitLatch(writeDone);
                return response;
              },
              Executors.newVirtualThreadPerTaskExecutor());
        };
    EdgePipeline first = edge(racing, shared);
    EdgeRequest read = get(key, "/v1/charges/" + charge.group(1));

    CompletableFuture<EdgeResponse> slowRead = first.handle(read);
    awaitLatch(readDone);
    call(first, post(key, "/v1/refunds", "payment_intent=" + intentId.group(1)));
    writeDone.countDown();
    EdgeResponse raced = slowRead.orTimeout(10, TimeUnit.SECONDS).join();

    assertThat(raced.bodyText()).contains("\"refunded\":false");
    assertThat(raced.header("cache-status")).doesNotContain("stored");
    // Nothing unrefunded reached the tier another edge reads from.
    assertThat(shared.entries.values())
        .noneMatch(e -> ResponseCodec.decode(e.value()).bodyText().contains("\"refunded\":false"));
    EdgeResponse elsewhere = call(edge(shared), read);
    assertThat(elsewhere.bodyText()).contains("\"refunded\":true");
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).as("latch").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void anotherEdgesInvalidationDropsTheEntryHereAndReachesTheOtherTiers() {
    Cached cached = cachedInSharedAndLocal("sk_test_tiered_remote");
    String customer = cached.customer();
    RecordingTier shared = cached.shared();
    RecordingTier local = cached.local();
    EdgePipeline edge = cached.edge();
    EdgeRequest read = cached.read();

    // The shared tier reports that another edge wrote the customer.
    Consumer<Collection<String>> listener = shared.listener;
    assertThat(listener).isNotNull();
    listener.accept(List.of(customer));
    EdgeResponse after = call(edge, read);

    // Neither memory nor the shared tier (which still holds it: it told, not applied) answers.
    assertThat(after.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(local.received(customer)).isTrue();
    assertThat(shared.received(customer)).as("the source is not told its own news").isFalse();
  }

  @Test
  void aBroadcastGapEmptiesMemoryAndRefusesWhatTheOtherTiersHeldBeforeIt() {
    Cached cached = cachedInSharedAndLocal("sk_test_tiered_gap");
    RecordingTier shared = cached.shared();
    EdgePipeline edge = cached.edge();
    EdgeRequest read = cached.read();

    // While this edge could not hear the shared tier, another edge wrote the customer: it
    // invalidated the shared tier itself, but neither this memory nor the local tier heard.
    shared.entries.clear();
    Runnable gap = shared.gapListener;
    assertThat(gap).isNotNull();
    gap.run();
    EdgeResponse after = call(edge, read);

    // Not memory's entry, not the local tier's: both may predate the lost invalidation.
    assertThat(after.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(
            meters.get("stripe.edge.tier.broadcast.gaps").tag("tier", "shared").counter().count())
        .isEqualTo(1);
    // What is fetched after the gap is cached and served again.
    assertThat(call(edge, read).header("cache-status")).isEqualTo("stripe-edge; hit");
  }

  @Test
  void aFailedInvalidationIsSentAgainUntilItLands() {
    RecordingTier flaky = new RecordingTier("flaky");
    flaky.invalidationsToFail.set(2);
    EdgePipeline edge = edge(flaky);

    edge.invalidate("cus_lost_once");

    eventually("the invalidation lands on a retry", () -> flaky.received("cus_lost_once"));
    assertThat(
            meters
                .get("stripe.edge.tier.invalidations")
                .tag("tier", "flaky")
                .tag("outcome", "error")
                .counter()
                .count())
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void aCorruptTierValueIsAMissNotAnError() {
    String key = "sk_test_tiered_corrupt";
    String customer = customer(key);
    RecordingTier tier = new RecordingTier("garbled");
    EdgeRequest read = get(key, "/v1/customers/" + customer);
    EdgePipeline first = edge(tier);
    call(first, read);
    eventually("the fill reaches the tier", () -> tier.entries.size() == 1);
    tier.entries.replaceAll(
        (k, e) ->
            new TierEntry(
                k,
                new byte[] {0x5E, 9, 1, 2},
                e.ids(),
                e.fetchStartedMillis(),
                e.expiresAtMillis()));

    // A restarted edge (same key secret, empty memory) meets the garbled value.
    EdgeResponse answer = call(edge(tier), read);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(answer.bodyText()).contains("Remote");
    assertThat(
            meters
                .get("stripe.edge.tier.lookups")
                .tag("tier", "garbled")
                .tag("outcome", "corrupt")
                .timer()
                .count())
        .isEqualTo(1);
  }
}
