package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.EncryptingTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.core.tier.TierKeys;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline with a real SQLite tier below L0, against the simulator over HTTP. */
class SqliteTierPipelineIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Scheduler NOW = delay -> CompletableFuture.completedFuture(null);
  private static final ExecutorService BLOCKING = Executors.newVirtualThreadPerTaskExecutor();
  private static final AtomicLong SEEDS = new AtomicLong(1_000);
  private static final byte[] SECRET = new byte[32];

  static {
    Arrays.fill(SECRET, (byte) 42);
  }

  @TempDir Path dir;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Upstream jdk = Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(5));
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeTiers() throws Exception {
    for (AutoCloseable closeable : open) {
      closeable.close();
    }
  }

  private SqliteTier sqlite() {
    SqliteTier tier = SqliteTier.open(dir.resolve("edge.db"), SqliteTierConfig.defaults());
    open.add(tier);
    return tier;
  }

  private EdgePipeline.Builder edge(Upstream upstream) {
    return EdgePipeline.builder(upstream)
        .random(new SplittableRandom(SEEDS.incrementAndGet()))
        .scheduler(NOW)
        .cacheKeySecret(SECRET)
        .meterRegistry(meters);
  }

  private EdgePipeline edge(CacheTier tier) {
    return edge(jdk).tier(tier).build();
  }

  private static EdgeRequest get(String key, String path) {
    return new EdgeRequest(
        "GET", path, "", Map.of("Authorization", List.of("Bearer " + key)), new byte[0]);
  }

  private static EdgeRequest post(String key, String path, String form) {
    Map<String, List<String>> headers = new HashMap<>();
    headers.put("Authorization", List.of("Bearer " + key));
    headers.put("Content-Type", List.of("application/x-www-form-urlencoded"));
    return new EdgeRequest("POST", path, "", headers, form.getBytes(StandardCharsets.UTF_8));
  }

  private static EdgeResponse call(EdgePipeline pipeline, EdgeRequest request) {
    return pipeline.handle(request).orTimeout(10, TimeUnit.SECONDS).join();
  }

  private static <T> T await(CompletableFuture<T> future) {
    return future.orTimeout(10, TimeUnit.SECONDS).join();
  }

  private static String id(EdgeResponse response) {
    Matcher matcher = ID.matcher(response.bodyText());
    assertThat(matcher.find()).as("an id in %s", response.bodyText()).isTrue();
    return matcher.group(1);
  }

  private static long simCalls(String endpoint) {
    return sim.sim().counters().entrySet().stream()
        .filter(e -> e.getKey().startsWith(endpoint + " "))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static String tierKey(EdgeRequest request) {
    return CacheKeys.hmac(SECRET).keyFor(request).value();
  }

  /** Waits for a background effect (write-through, invalidation) to be visible. */
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

  private static @Nullable TierEntry stored(CacheTier tier, EdgeRequest request) {
    return await(tier.get(tierKey(request)));
  }

  /**
   * A new customer, created through an edge without tiers: a create through a tiered edge leaves an
   * invalidation marker that (rightly) refuses fills whose fetch began before the tier applied it.
   */
  private String created(String key, String name) {
    return id(call(edge(jdk).build(), post(key, "/v1/customers", "name=" + name)));
  }

  @Test
  void aRestartedEdgeAnswersFromTheTierWithoutAnUpstreamCall() {
    String key = "sk_test_tier_restart";
    SqliteTier first = sqlite();
    EdgePipeline before = edge(first);
    EdgeRequest read = get(key, "/v1/customers/" + created(key, "Durable"));
    EdgeResponse miss = call(before, read);
    eventually("the fill reaches the tier", () -> stored(first, read) != null);
    first.close();

    EdgePipeline after = edge(sqlite()); // empty L0, same file
    long calls = simCalls("GET /v1/customers/{id}");
    EdgeResponse fromTier = call(after, read);
    EdgeResponse fromMemory = call(after, read);

    assertThat(miss.header("cache-status"))
        .isEqualTo("stripe-edge; fwd=miss; fwd-status=200; stored");
    assertThat(fromTier.header("cache-status")).isEqualTo("stripe-edge; hit; detail=sqlite");
    assertThat(fromTier.header("server-timing")).contains("tier;dur=").contains("desc=\"sqlite\"");
    assertThat(fromTier.bodyText()).isEqualTo(miss.bodyText()).contains("Durable");
    assertThat(fromTier.header("request-id")).isEqualTo(miss.header("request-id"));
    assertThat(fromMemory.header("cache-status")).isEqualTo("stripe-edge; hit");
    assertThat(simCalls("GET /v1/customers/{id}")).isEqualTo(calls);
    assertThat(meters.get("stripe.edge.requests").tag("cache", "tier").timer().count())
        .isEqualTo(1);
  }

  @Test
  void aTierHitOlderThanTheTtlIsNotServed() {
    String key = "sk_test_tier_age";
    SqliteTier tier = sqlite();
    EdgePipeline before = edge(tier);
    EdgeRequest read = get(key, "/v1/customers/" + created(key, "Aged"));
    call(before, read);
    eventually("the fill reaches the tier", () -> stored(tier, read) != null);

    // Customers live 60 s; the restarted edge's wall clock is 61 s later.
    Clock later = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(61));
    EdgePipeline after = edge(jdk).tier(tier).clock(later).build();
    long calls = simCalls("GET /v1/customers/{id}");
    EdgeResponse answer = call(after, read);

    assertThat(answer.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(simCalls("GET /v1/customers/{id}")).isEqualTo(calls + 1);
  }

  @Test
  void aWriteThroughOneEdgeInvalidatesTheTier() {
    String key = "sk_test_tier_write";
    SqliteTier tier = sqlite();
    EdgePipeline writer = edge(tier);
    String customer = created(key, "Old");
    EdgeRequest read = get(key, "/v1/customers/" + customer);
    call(writer, read);
    eventually("the fill reaches the tier", () -> stored(tier, read) != null);

    call(writer, post(key, "/v1/customers/" + customer, "name=New"));
    eventually("the write's invalidation reaches the tier", () -> stored(tier, read) == null);

    EdgeResponse restarted = call(edge(tier), read);
    assertThat(restarted.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(restarted.bodyText()).contains("\"name\":\"New\"");
  }

  @Test
  void aTierThatHasNotYetDroppedAWrittenObjectDoesNotAnswerForIt() {
    String key = "sk_test_tier_lagging";
    SqliteTier sqlite = sqlite();
    CountDownLatch letInvalidationsThrough = new CountDownLatch(1);
    // The tier applies invalidations only when told: the read below meets the old entry there.
    CacheTier lagging =
        new Delegating(sqlite) {
          @Override
          public CompletableFuture<Void> invalidate(Collection<String> ids) {
            return CompletableFuture.runAsync(() -> awaitLatch(letInvalidationsThrough), BLOCKING)
                .thenCompose(ignored -> sqlite.invalidate(ids));
          }
        };
    EdgePipeline edge =
        edge(jdk).tier(lagging, TierConfig.defaults().withTimeout(Duration.ofSeconds(2))).build();
    String customer = created(key, "Old");
    EdgeRequest read = get(key, "/v1/customers/" + customer);
    call(edge, read);
    eventually("the fill reaches the tier", () -> stored(sqlite, read) != null);
    call(edge, post(key, "/v1/customers/" + customer, "name=New"));
    assertThat(stored(sqlite, read)).as("still in the tier").isNotNull();

    EdgeResponse next = call(edge, read);
    letInvalidationsThrough.countDown();

    assertThat(next.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(next.bodyText()).contains("\"name\":\"New\"");
    assertThat(meters.get("stripe.edge.tier.lookups").tag("outcome", "invalidated").timer().count())
        .isEqualTo(1);
  }

  @Test
  void aWebhookInvalidationReachesTheTier() {
    String key = "sk_test_tier_webhook";
    SqliteTier tier = sqlite();
    EdgePipeline edge = edge(tier);
    String customer = created(key, "Hooked");
    EdgeRequest read = get(key, "/v1/customers/" + customer);
    call(edge, read);
    eventually("the fill reaches the tier", () -> stored(tier, read) != null);

    edge.invalidate(customer);

    eventually("the invalidation reaches the tier", () -> stored(tier, read) == null);
  }

  @Test
  void aHangingOrThrowingTierIsSkippedAndTheRequestStillSucceeds() {
    String key = "sk_test_tier_broken";
    AtomicInteger hangingCalls = new AtomicInteger();
    CacheTier hanging =
        new Broken("hanging") {
          @Override
          public CompletableFuture<@Nullable TierEntry> get(String k) {
            hangingCalls.incrementAndGet();
            return new CompletableFuture<>(); // never answers
          }
        };
    CacheTier throwing =
        new Broken("throwing") {
          @Override
          public CompletableFuture<@Nullable TierEntry> get(String k) {
            throw new IllegalStateException("connection refused");
          }
        };
    SqliteTier sqlite = sqlite();
    TierConfig quick = TierConfig.defaults().withTimeout(Duration.ofMillis(50));
    EdgePipeline edge = edge(jdk).tier(hanging, quick).tier(throwing, quick).tier(sqlite).build();
    String customer = created(key, "Survivor");
    EdgeRequest read = get(key, "/v1/customers/" + customer);

    EdgeResponse miss = call(edge, read);
    eventually("the fill reaches the working tier", () -> stored(sqlite, read) != null);
    EdgeResponse restarted =
        call(edge(jdk).tier(hanging, quick).tier(throwing, quick).tier(sqlite).build(), read);

    assertThat(miss.status()).isEqualTo(200);
    assertThat(miss.bodyText()).contains("Survivor");
    assertThat(restarted.header("cache-status")).isEqualTo("stripe-edge; hit; detail=sqlite");
    assertThat(lookups("hanging", "timeout")).isEqualTo(2);
    assertThat(lookups("throwing", "error")).isEqualTo(2);
    assertThat(lookups("sqlite", "hit")).isEqualTo(1);
  }

  @Test
  void aTierThatKeepsFailingIsBypassedUntilItIsBack() {
    AtomicInteger calls = new AtomicInteger();
    boolean[] down = {true};
    CacheTier flaky =
        new Broken("flaky") {
          @Override
          public CompletableFuture<@Nullable TierEntry> get(String k) {
            calls.incrementAndGet();
            return down[0]
                ? CompletableFuture.failedFuture(new IllegalStateException("down"))
                : CompletableFuture.completedFuture(null);
          }
        };
    long[] now = {0};
    EdgePipeline edge =
        edge(jdk)
            .ticker(() -> now[0])
            .tier(flaky, TierConfig.defaults().withBypass(3, Duration.ofSeconds(10)))
            .build();
    EdgeRequest read = get("sk_test_tier_flaky", "/v1/customers/cus_flaky_missing");

    for (int i = 0; i < 6; i++) {
      assertThat(call(edge, read).status()).isEqualTo(404);
    }
    assertThat(calls.get()).as("asked until the third failure only").isEqualTo(3);
    assertThat(lookups("flaky", "bypassed")).isEqualTo(3);
    assertThat(meters.get("stripe.edge.tier.bypassed").tag("tier", "flaky").gauge().value())
        .isEqualTo(1);

    down[0] = false;
    now[0] += Duration.ofSeconds(11).toNanos();
    call(edge, read); // bypassed still; starts the background probe
    eventually(
        "the probe closes the breaker",
        () -> meters.get("stripe.edge.tier.bypassed").tag("tier", "flaky").gauge().value() == 0);
    call(edge, read);

    assertThat(lookups("flaky", "miss")).isEqualTo(1);
  }

  @Test
  void aFillRacingAnotherEdgesInvalidationNeverLeavesAStaleEntryInTheTier() {
    String key = "sk_test_tier_race";
    SqliteTier tier = sqlite();
    EdgePipeline other = edge(tier);
    String customer = created(key, "Before");
    EdgeRequest read = get(key, "/v1/customers/" + customer);
    CountDownLatch readDone = new CountDownLatch(1);
    CountDownLatch writeDone = new CountDownLatch(1);
    // The slow edge reads the old version, then waits until the other edge has written: its fill
    // (fetch started before the write) reaches the tier after the other edge's invalidation.
    Upstream racing =
        (request, timeout) ->
            jdk.send(request, timeout)
                .thenApplyAsync(
                    response -> {
                      readDone.countDown();
                      awaitLatch(writeDone);
                      return response;
                    },
                    BLOCKING);
    EdgePipeline slow = edge(racing).tier(tier).build();

    CompletableFuture<EdgeResponse> slowRead = slow.handle(read);
    awaitLatch(readDone);
    call(other, post(key, "/v1/customers/" + customer, "name=After"));
    eventually("the write's marker is in the tier", () -> markerWritten(customer));
    writeDone.countDown();
    EdgeResponse raced = await(slowRead);
    eventually("the stale fill was refused", () -> writes("sqlite", "refused") >= 1);

    assertThat(raced.bodyText()).contains("Before");
    assertThat(stored(tier, read)).isNull();
    EdgeResponse restarted = call(edge(sqlite()), read);
    assertThat(restarted.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(restarted.bodyText()).contains("After");
  }

  @Test
  void aFillRacingAWriteOnTheSameEdgeIsNeitherStoredNorWrittenThrough() {
    String key = "sk_test_tier_race_local";
    SqliteTier tier = sqlite();
    String customer = created(key, "Before");
    EdgeRequest read = get(key, "/v1/customers/" + customer);
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
              BLOCKING);
        };
    EdgePipeline edge = edge(racing).tier(tier).build();

    CompletableFuture<EdgeResponse> slowRead = edge.handle(read);
    awaitLatch(readDone);
    call(edge, post(key, "/v1/customers/" + customer, "name=After"));
    writeDone.countDown();
    EdgeResponse raced = await(slowRead);
    EdgeResponse next = call(edge, read);

    assertThat(raced.header("cache-status")).doesNotContain("stored");
    assertThat(next.bodyText()).contains("After");
    // The next fill may be refused too (its fetch may start before the tier applied the write's
    // invalidation); either way the tier never holds the old version.
    eventually(
        "the next fill reached the tier",
        () -> writes("sqlite", "stored") + writes("sqlite", "refused") >= 1);
    TierEntry kept = stored(tier, read);
    assertThat(kept == null ? "" : new String(kept.value(), StandardCharsets.UTF_8))
        .doesNotContain("Before");
  }

  @Test
  void anEncryptedTierServesARestartedEdgeAndStoresNoPlaintext() {
    String key = "sk_test_tier_sealed";
    TierKeys keys = TierKeys.of("k1", Map.of("k1", SECRET));
    SqliteTier raw = sqlite();
    EdgePipeline before = edge(EncryptingTier.wrap(raw, keys, meters));
    EdgeRequest read = get(key, "/v1/customers/" + created(key, "Sealed"));
    call(before, read);
    eventually("the fill reaches the tier", () -> stored(raw, read) != null);

    EdgeResponse fromTier = call(edge(EncryptingTier.wrap(raw, keys, meters)), read);

    assertThat(new String(stored(raw, read).value(), StandardCharsets.ISO_8859_1))
        .doesNotContain("Sealed");
    assertThat(fromTier.header("cache-status")).isEqualTo("stripe-edge; hit; detail=sqlite");
    assertThat(fromTier.bodyText()).contains("Sealed");
  }

  private boolean markerWritten(String id) {
    // A put of a fetch that began long ago is refused once the marker exists; probe with it.
    long now = System.currentTimeMillis();
    SqliteTier probe = sqlite();
    return !await(
        probe.put(
            new TierEntry("probe:" + now, new byte[] {1}, java.util.Set.of(id), 0, now + 1_000)));
  }

  private double lookups(String tier, String outcome) {
    Timer timer =
        meters.find("stripe.edge.tier.lookups").tag("tier", tier).tag("outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  private double writes(String tier, String outcome) {
    Counter counter =
        meters.find("stripe.edge.tier.writes").tag("tier", tier).tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A tier passing everything to another. */
  private static class Delegating implements CacheTier {
    private final CacheTier delegate;

    Delegating(CacheTier delegate) {
      this.delegate = delegate;
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public CompletableFuture<@Nullable TierEntry> get(String key) {
      return delegate.get(key);
    }

    @Override
    public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
      return delegate.getAll(keys);
    }

    @Override
    public CompletableFuture<Boolean> put(TierEntry entry) {
      return delegate.put(entry);
    }

    @Override
    public CompletableFuture<Void> invalidate(Collection<String> ids) {
      return delegate.invalidate(ids);
    }

    @Override
    public void close() {}
  }

  /** A tier that stores nothing; subclasses decide how its lookups fail. */
  private abstract static class Broken implements CacheTier {
    private final String name;

    Broken(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
      return CompletableFuture.completedFuture(Map.of());
    }

    @Override
    public CompletableFuture<Boolean> put(TierEntry entry) {
      return CompletableFuture.completedFuture(false);
    }

    @Override
    public CompletableFuture<Void> invalidate(Collection<String> ids) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {}
  }
}
