package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimConfig.FaultKind;
import dev.stripeedge.sim.SimConfig.FaultRule;
import dev.stripeedge.sim.junit.StripeSimExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The pipeline against the real simulator over HTTP. */
class PipelineIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Scheduler NOW = delay -> CompletableFuture.completedFuture(null);
  // Latch waits in fake upstreams block a thread; never the common pool, which the JDK client uses.
  private static final ExecutorService BLOCKING = Executors.newVirtualThreadPerTaskExecutor();

  // One seed per pipeline: two pipelines drawing the same idempotency keys for one account would
  // collide at the simulator exactly as they would at Stripe.
  private static final Pattern CUSTOMER = Pattern.compile("\"object\"\\s*:\\s*\"customer\"");

  private static final AtomicLong SEEDS = new AtomicLong();

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Upstream jdk = Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(5));

  @AfterEach
  void clearFaults() {
    sim.sim()
        .reconfigure(
            c ->
                c.withFaults(List.of())
                    .withLimits(SimConfig.Limits.off())
                    .withLatency(SimConfig.Latency.off()));
  }

  private EdgePipeline pipeline(Upstream upstream) {
    return EdgePipeline.builder(upstream)
        .random(new SplittableRandom(SEEDS.incrementAndGet()))
        .scheduler(NOW)
        .meterRegistry(meters)
        .build();
  }

  private static EdgeRequest get(String key, String path, String query) {
    return new EdgeRequest("GET", path, query, auth(key), new byte[0]);
  }

  private static EdgeRequest post(String key, String path, String form, String... headers) {
    Map<String, List<String>> map = new HashMap<>(auth(key));
    map.put("Content-Type", List.of("application/x-www-form-urlencoded"));
    for (int i = 0; i < headers.length; i += 2) {
      map.put(headers[i], List.of(headers[i + 1]));
    }
    return new EdgeRequest("POST", path, "", map, form.getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, List<String>> auth(String key) {
    return Map.of("Authorization", List.of("Bearer " + key));
  }

  private static EdgeResponse call(EdgePipeline pipeline, EdgeRequest request) {
    return pipeline.handle(request).orTimeout(10, TimeUnit.SECONDS).join();
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

  private static void next(FaultKind kind, String endpoint) {
    sim.sim().reconfigure(c -> c.withFaults(List.of(new FaultRule(kind, 1.0, endpoint, 1))));
  }

  @Test
  void hitAfterMissMakesOneUpstreamCall() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_hit";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Ada")));
    long before = simCalls("GET /v1/customers/{id}");

    EdgeResponse miss = call(edge, get(key, "/v1/customers/" + customer, ""));
    EdgeResponse hit = call(edge, get(key, "/v1/customers/" + customer, ""));

    assertThat(miss.header("cache-status"))
        .isEqualTo("stripe-edge; fwd=miss; fwd-status=200; stored");
    assertThat(hit.header("cache-status")).isEqualTo("stripe-edge; hit");
    assertThat(hit.bodyText()).isEqualTo(miss.bodyText()).contains("Ada");
    assertThat(hit.header("server-timing")).startsWith("cache;dur=");
    assertThat(miss.header("server-timing"))
        .contains("upstream;dur=")
        .contains("retries;desc=\"0\"");
    assertThat(simCalls("GET /v1/customers/{id}") - before).isEqualTo(1);
    assertThat(edge.cachedBytes()).isPositive();
    assertThat(meters.find("stripe.edge.requests").tag("cache", "hit").timer().count())
        .isEqualTo(1);
  }

  @Test
  void writeInvalidatesTheRetrieve() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_write";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Old")));
    call(edge, get(key, "/v1/customers/" + customer, ""));

    EdgeResponse update = call(edge, post(key, "/v1/customers/" + customer, "name=New"));
    EdgeResponse after = call(edge, get(key, "/v1/customers/" + customer, ""));

    assertThat(update.header("cache-status")).isEqualTo("stripe-edge; fwd=bypass; detail=method");
    assertThat(after.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(after.bodyText()).contains("\"name\":\"New\"");
  }

  @Test
  void writeInvalidatesEntriesWhereTheObjectIsExpanded() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_expand";
    String product = id(call(edge, post(key, "/v1/products", "name=Basic")));
    String price =
        id(call(edge, post(key, "/v1/prices", "currency=usd&unit_amount=500&product=" + product)));
    EdgeResponse first = call(edge, get(key, "/v1/prices/" + price, "expand[]=product"));
    assertThat(first.bodyText()).contains("\"name\":\"Basic\"");
    assertThat(
            call(edge, get(key, "/v1/prices/" + price, "expand[0]=product")).header("cache-status"))
        .isEqualTo("stripe-edge; hit");

    call(edge, post(key, "/v1/products/" + product, "name=Premium"));
    EdgeResponse after = call(edge, get(key, "/v1/prices/" + price, "expand[]=product"));

    assertThat(after.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(after.bodyText()).contains("\"name\":\"Premium\"");
  }

  @Test
  void concurrentMissesShareOneUpstreamCall() throws Exception {
    String key = "sk_test_pl_flight";
    String customer = id(call(pipeline(jdk), post(key, "/v1/customers", "name=Flight")));
    CountDownLatch release = new CountDownLatch(1);
    // Holds every answer until all misses are in, so they surely overlap.
    Upstream gated =
        (request, timeout) ->
            jdk.send(request, timeout)
                .thenApplyAsync(
                    response -> {
                      await(release);
                      return response;
                    },
                    BLOCKING);
    EdgePipeline edge = pipeline(gated);
    long before = simCalls("GET /v1/customers/{id}");

    List<CompletableFuture<EdgeResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      answers.add(edge.handle(get(key, "/v1/customers/" + customer, "")));
    }
    release.countDown();

    List<EdgeResponse> responses =
        answers.stream().map(f -> f.orTimeout(10, TimeUnit.SECONDS).join()).toList();
    assertThat(responses).allSatisfy(r -> assertThat(r.bodyText()).contains("Flight"));
    assertThat(responses)
        .filteredOn(r -> r.header("cache-status").contains("collapsed"))
        .hasSize(7);
    assertThat(simCalls("GET /v1/customers/{id}") - before).isEqualTo(1);
  }

  /**
   * The simulator, except that the first GET, once answered, counts {@code readDone} down and waits
   * for {@code writeDone}: the interleaving "read old, write, invalidate, fill old".
   */
  private Upstream firstReadWaits(CountDownLatch readDone, CountDownLatch writeDone) {
    return (request, timeout) -> {
      CompletableFuture<EdgeResponse> answer = jdk.send(request, timeout);
      if (!request.method().equals("GET") || readDone.getCount() == 0) {
        return answer;
      }
      return answer.thenApplyAsync(
          response -> {
            readDone.countDown();
            await(writeDone);
            return response;
          },
          BLOCKING);
    };
  }

  @Test
  void aWriteRacingAMissNeverLeavesAStaleEntry() throws Exception {
    String key = "sk_test_pl_race";
    String customer = id(call(pipeline(jdk), post(key, "/v1/customers", "name=Before")));
    CountDownLatch readDone = new CountDownLatch(1);
    CountDownLatch writeDone = new CountDownLatch(1);
    Upstream racing = firstReadWaits(readDone, writeDone);
    EdgePipeline edge = pipeline(racing);

    CompletableFuture<EdgeResponse> slowRead =
        edge.handle(get(key, "/v1/customers/" + customer, ""));
    await(readDone);
    call(edge, post(key, "/v1/customers/" + customer, "name=After"));
    writeDone.countDown();
    EdgeResponse raced = slowRead.orTimeout(10, TimeUnit.SECONDS).join();
    EdgeResponse next = call(edge, get(key, "/v1/customers/" + customer, ""));

    assertThat(raced.bodyText()).contains("Before");
    assertThat(raced.header("cache-status")).doesNotContain("stored");
    assertThat(next.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(next.bodyText()).contains("After");
  }

  /** A PaymentIntent confirmed with a test card through {@code edge}; returns its body. */
  private static EdgeResponse paid(EdgePipeline edge, String key, String captureMethod) {
    return call(
        edge,
        post(
            key,
            "/v1/payment_intents",
            "amount=2000&currency=usd&confirm=true&payment_method=pm_card_visa"
                + "&payment_method_types[]=card&capture_method="
                + captureMethod));
  }

  private static String field(EdgeResponse response, String name) {
    Matcher matcher =
        Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(response.bodyText());
    assertThat(matcher.find()).as("%s in %s", name, response.bodyText()).isTrue();
    return matcher.group(1);
  }

  @Test
  void aRefundDropsTheCachedChargeItDidNotName() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_refund";
    EdgeResponse intent = paid(edge, key, "automatic");
    String charge = field(intent, "latest_charge");
    call(edge, get(key, "/v1/charges/" + charge, ""));
    assertThat(call(edge, get(key, "/v1/charges/" + charge, "")).header("cache-status"))
        .isEqualTo("stripe-edge; hit");

    call(edge, post(key, "/v1/refunds", "payment_intent=" + id(intent)));
    EdgeResponse after = call(edge, get(key, "/v1/charges/" + charge, ""));

    assertThat(after.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(after.bodyText()).contains("\"refunded\":true");
  }

  @Test
  void aRefundRacingTheChargesMissNeverLeavesTheUnrefundedCharge() throws Exception {
    String key = "sk_test_pl_refund_race";
    EdgeResponse intent = paid(pipeline(jdk), key, "automatic");
    String charge = field(intent, "latest_charge");
    CountDownLatch readDone = new CountDownLatch(1);
    CountDownLatch writeDone = new CountDownLatch(1);
    Upstream racing = firstReadWaits(readDone, writeDone);
    EdgePipeline edge = pipeline(racing);

    CompletableFuture<EdgeResponse> slowRead = edge.handle(get(key, "/v1/charges/" + charge, ""));
    await(readDone);
    call(edge, post(key, "/v1/refunds", "payment_intent=" + id(intent)));
    writeDone.countDown();
    EdgeResponse raced = slowRead.orTimeout(10, TimeUnit.SECONDS).join();
    EdgeResponse next = call(edge, get(key, "/v1/charges/" + charge, ""));

    assertThat(raced.bodyText()).contains("\"refunded\":false");
    assertThat(raced.header("cache-status")).doesNotContain("stored");
    assertThat(next.bodyText()).contains("\"refunded\":true");
  }

  @Test
  void deletingACustomerRacingAPaymentMethodsMissNeverLeavesItAttached() throws Exception {
    String key = "sk_test_pl_delete_race";
    EdgePipeline setup = pipeline(jdk);
    String customer = id(call(setup, post(key, "/v1/customers", "name=Gone")));
    String pm =
        id(
            call(
                setup,
                post(key, "/v1/payment_methods/pm_card_visa/attach", "customer=" + customer)));
    CountDownLatch readDone = new CountDownLatch(1);
    CountDownLatch writeDone = new CountDownLatch(1);
    Upstream racing = firstReadWaits(readDone, writeDone);
    EdgePipeline edge = pipeline(racing);

    // The payment method only refers to the customer: the delete reaches it through that.
    CompletableFuture<EdgeResponse> slowRead =
        edge.handle(get(key, "/v1/payment_methods/" + pm, ""));
    await(readDone);
    EdgeResponse deleted =
        call(
            edge,
            new EdgeRequest("DELETE", "/v1/customers/" + customer, "", auth(key), new byte[0]));
    writeDone.countDown();
    EdgeResponse raced = slowRead.orTimeout(10, TimeUnit.SECONDS).join();
    EdgeResponse next = call(edge, get(key, "/v1/payment_methods/" + pm, ""));

    assertThat(deleted.status()).isEqualTo(200);
    assertThat(raced.bodyText()).contains(customer);
    assertThat(raced.header("cache-status")).doesNotContain("stored");
    assertThat(next.bodyText()).contains("\"customer\":null");
  }

  @Test
  void aWriteStripeRefusesEvictsNobodysEntries() {
    EdgePipeline edge = pipeline(jdk);
    String owner = "sk_test_pl_owner_evict";
    String customer = id(call(edge, post(owner, "/v1/customers", "name=Kept")));
    call(edge, get(owner, "/v1/customers/" + customer, ""));

    // Another tenant's key (another account: 404), a parameter error (400), and no key (401).
    EdgeResponse foreign =
        call(
            edge,
            new EdgeRequest(
                "DELETE",
                "/v1/customers/" + customer,
                "",
                auth("sk_test_pl_stranger"),
                new byte[0]));
    EdgeResponse invalid = call(edge, post(owner, "/v1/customers/" + customer, "no_such=1"));
    EdgeResponse keyless =
        call(
            edge,
            new EdgeRequest("DELETE", "/v1/customers/" + customer, "", Map.of(), new byte[0]));

    assertThat(List.of(foreign.status(), invalid.status(), keyless.status()))
        .containsExactly(404, 400, 401);
    assertThat(call(edge, get(owner, "/v1/customers/" + customer, "")).header("cache-status"))
        .isEqualTo("stripe-edge; hit");
  }

  @Test
  void twoApiKeysNeverShareAnEntry() {
    EdgePipeline edge = pipeline(jdk);
    String customer = id(call(edge, post("sk_test_pl_owner", "/v1/customers", "name=Mine")));
    call(edge, get("sk_test_pl_owner", "/v1/customers/" + customer, ""));

    EdgeResponse other = call(edge, get("sk_test_pl_other", "/v1/customers/" + customer, ""));

    assertThat(other.header("cache-status")).startsWith("stripe-edge; fwd=miss");
    assertThat(other.status()).isEqualTo(404);
    assertThat(other.bodyText()).doesNotContain("Mine");
  }

  @Test
  void a503IsRetriedWithTheSameIdempotencyKey() {
    EdgePipeline edge = pipeline(jdk);
    next(FaultKind.ERROR_503, "POST /v1/customers");
    long before = simCalls("POST /v1/customers");

    EdgeResponse created = call(edge, post("sk_test_pl_503", "/v1/customers", "name=Retry"));

    assertThat(created.status()).isEqualTo(200);
    assertThat(created.header("idempotency-key")).isNotBlank();
    assertThat(created.header("idempotent-replayed")).isNull();
    assertThat(created.header("server-timing")).contains("retries;desc=\"1\"");
    assertThat(simCalls("POST /v1/customers") - before).isEqualTo(2);
    assertThat(meters.find("stripe.edge.retries").counter().count()).isEqualTo(1);
  }

  @Test
  void aResetIsRetriedWithTheSameIdempotencyKey() {
    EdgePipeline edge = pipeline(jdk);
    next(FaultKind.RESET, "POST /v1/customers");

    EdgeResponse created =
        call(
            edge,
            post("sk_test_pl_reset", "/v1/customers", "name=Reset", "Idempotency-Key", "k-reset"));

    assertThat(created.status()).isEqualTo(200);
    assertThat(created.header("idempotency-key")).isEqualTo("k-reset");
    assertThat(created.header("server-timing")).contains("retries;desc=\"1\"");
  }

  @Test
  void a500IsStoredUnderTheKeySoRetriesReplayIt() {
    EdgePipeline edge = pipeline(jdk);
    next(FaultKind.ERROR_500, "POST /v1/customers");

    EdgeResponse failed = call(edge, post("sk_test_pl_500", "/v1/customers", "name=Lost"));

    // Stripe stores a 500 under its key like any result: every retry replays it.
    assertThat(failed.status()).isEqualTo(500);
    assertThat(failed.header("idempotent-replayed")).isEqualTo("true");
    assertThat(failed.header("server-timing")).contains("retries;desc=\"2\"");
  }

  @Test
  void a400IsNotRetried() {
    EdgePipeline edge = pipeline(jdk);
    long before = simCalls("POST /v1/customers");

    EdgeResponse rejected = call(edge, post("sk_test_pl_400", "/v1/customers", "nonsense=1"));

    assertThat(rejected.status()).isEqualTo(400);
    assertThat(rejected.header("server-timing")).contains("retries;desc=\"0\"");
    assertThat(simCalls("POST /v1/customers") - before).isEqualTo(1);
  }

  @Test
  void aLockTimeoutIsRetried() throws Exception {
    String key = "sk_test_pl_lock";
    String customer = id(call(pipeline(jdk), post(key, "/v1/customers", "name=Locked")));
    // Writes hold the object's lock for 400 ms; a second write meanwhile gets lock_timeout.
    sim.sim()
        .reconfigure(
            c ->
                c.withLimits(SimConfig.Limits.stripe())
                    .withLatency(new SimConfig.Latency(true, 0, 0, 400, 0, 1)));
    EdgePipeline edge =
        EdgePipeline.builder(jdk)
            .random(new SplittableRandom(SEEDS.incrementAndGet()))
            .retryConfig(
                RetryConfig.defaults()
                    .withMaxAttempts(10)
                    .withBackoff(Duration.ofMillis(150), Duration.ofMillis(150)))
            .meterRegistry(meters)
            .build();

    CompletableFuture<EdgeResponse> holder =
        edge.handle(post(key, "/v1/customers/" + customer, "name=First"));
    Thread.sleep(100);
    EdgeResponse second = call(edge, post(key, "/v1/customers/" + customer, "name=Second"));
    EdgeResponse first = holder.orTimeout(10, TimeUnit.SECONDS).join();

    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).as(second.bodyText()).isEqualTo(200);
    // Whichever reached the lock second (on a loaded machine it may be the first one sent) got
    // lock_timeout and was retried until it succeeded.
    assertThat(List.of(first.header("server-timing"), second.header("server-timing")))
        .anyMatch(timing -> !timing.contains("retries;desc=\"0\""));
    assertThat(simCalls("POST /v1/customers/{id}")).isGreaterThanOrEqualTo(3);
  }

  private static ObjectChange change(String id, long atSeconds, String version, String name) {
    return new ObjectChange(
        id,
        atSeconds,
        version,
        ("{\"id\":\"" + id + "\",\"object\":\"customer\",\"name\":\"" + name + "\"}")
            .getBytes(StandardCharsets.UTF_8));
  }

  /** A second well after now: an event there certainly follows a fill made now. */
  private static long secondsFromNow(int seconds) {
    return System.currentTimeMillis() / 1000 + seconds;
  }

  @Test
  void anEventsCopyRefreshesACachedRetrieveSoTheNextReadIsAHit() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_refresh";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String version = call(edge, get(key, "/v1/customers/" + customer, "")).header("stripe-version");
    long before = simCalls("GET /v1/customers/{id}");

    edge.refresh(change(customer, secondsFromNow(3), version, "FromEvent"));

    EdgeResponse read = call(edge, get(key, "/v1/customers/" + customer, ""));
    assertThat(read.bodyText()).contains("FromEvent");
    assertThat(read.header("cache-status")).contains("hit");
    assertThat(simCalls("GET /v1/customers/{id}")).isEqualTo(before);
    assertThat(meters.get("stripe.edge.cache.event.refreshes").counter().count()).isEqualTo(1);
  }

  /** The system clock plus an offset the test moves. */
  private static final class ShiftedClock extends java.time.Clock {
    private volatile Duration offset = Duration.ZERO;

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.time.Instant instant() {
      return java.time.Instant.now().plus(offset);
    }
  }

  @Test
  void anEventsCopyGivesWayToTheNextEventHoweverLateItSeemsStored() {
    ShiftedClock clock = new ShiftedClock();
    EdgePipeline edge =
        EdgePipeline.builder(jdk)
            .random(new SplittableRandom(SEEDS.incrementAndGet()))
            .clock(clock)
            .meterRegistry(meters)
            .build();
    String key = "sk_test_pl_refresh_copies";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String path = "/v1/customers/" + customer;
    String version = call(edge, get(key, path, "")).header("stripe-version");
    // The edge's clock runs a minute ahead: by it, the fill and the copy below look stored after
    // the events that follow them. Stripe's Date on the fill, then the copy's own event second,
    // are what tell that each event is newer.
    clock.offset = Duration.ofMinutes(1);
    long at = secondsFromNow(2);
    edge.refresh(change(customer, at, version, "First"));
    assertThat(call(edge, get(key, path, "")).bodyText()).contains("First");
    long before = simCalls("GET /v1/customers/{id}");

    edge.refresh(change(customer, at + 1, version, "Second"));

    assertThat(call(edge, get(key, path, "")).bodyText()).contains("Second");
    assertThat(simCalls("GET /v1/customers/{id}")).isEqualTo(before);
  }

  @Test
  void anExpandedRetrieveIsOnlyInvalidated() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_refresh_expand";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String query = "expand[]=default_source";
    String version =
        call(edge, get(key, "/v1/customers/" + customer, query)).header("stripe-version");
    long before = simCalls("GET /v1/customers/{id}");

    edge.refresh(change(customer, secondsFromNow(3), version, "FromEvent"));

    EdgeResponse read = call(edge, get(key, "/v1/customers/" + customer, query));
    assertThat(read.bodyText()).contains("Before").doesNotContain("FromEvent");
    assertThat(simCalls("GET /v1/customers/{id}")).isEqualTo(before + 1);
  }

  @Test
  void anOlderEventOrASameSecondTieOnlyInvalidates() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_refresh_order";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String path = "/v1/customers/" + customer;
    String version = call(edge, get(key, path, "")).header("stripe-version");
    long at = secondsFromNow(5);
    edge.refresh(change(customer, at, version, "Newest"));
    assertThat(call(edge, get(key, path, "")).bodyText()).contains("Newest");

    // Arriving late, an older event must not bring back its older copy.
    edge.refresh(change(customer, at - 1, version, "Older"));
    assertThat(call(edge, get(key, path, "")).bodyText()).contains("Before");

    // Two changes in one second: which came last is unknown, so Stripe is asked.
    long tie = secondsFromNow(8);
    edge.refresh(change(customer, tie, version, "TieOne"));
    edge.refresh(change(customer, tie, version, "TieTwo"));
    assertThat(call(edge, get(key, path, "")).bodyText()).contains("Before");
  }

  private static ObjectChange change(
      String id, long atSeconds, String version, String name, String previousName) {
    ObjectChange plain = change(id, atSeconds, version, name);
    return new ObjectChange(
        id,
        atSeconds,
        version,
        plain.objectJson(),
        ("{\"name\":\"" + previousName + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aSameSecondEventShownByItsPreviousAttributesToFollowTakesOverTheCopy() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_refresh_tie_order";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String path = "/v1/customers/" + customer;
    String version = call(edge, get(key, path, "")).header("stripe-version");
    long tie = secondsFromNow(5);
    edge.refresh(change(customer, tie, version, "TieOne", "Before"));
    long before = simCalls("GET /v1/customers/{id}");

    edge.refresh(change(customer, tie, version, "TieTwo", "TieOne"));

    EdgeResponse read = call(edge, get(key, path, ""));
    assertThat(read.bodyText()).contains("TieTwo");
    assertThat(read.header("cache-status")).contains("hit");
    assertThat(simCalls("GET /v1/customers/{id}")).isEqualTo(before);
    assertThat(
            meters.get("stripe.edge.cache.event.ties").tag("outcome", "ordered").counter().count())
        .isEqualTo(1);

    // A same-second event whose values before are not what the copy shows is not shown to
    // follow it: only invalidated, so Stripe is asked (the simulator still holds Before: these
    // events were made up).
    edge.refresh(change(customer, tie + 1, version, "Three", "TieTwo"));
    edge.refresh(change(customer, tie + 1, version, "EarlierOfTwo", "TieTwo"));
    assertThat(call(edge, get(key, path, "")).bodyText()).contains("Before");
    assertThat(
            meters.get("stripe.edge.cache.event.ties").tag("outcome", "unknown").counter().count())
        .isEqualTo(1);
  }

  @Test
  void anEventOfAnotherApiVersionOnlyInvalidates() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_refresh_version";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String path = "/v1/customers/" + customer;
    call(edge, get(key, path, ""));
    long before = simCalls("GET /v1/customers/{id}");

    edge.refresh(change(customer, secondsFromNow(3), "2020-08-27", "OtherShape"));

    assertThat(call(edge, get(key, path, "")).bodyText()).contains("Before");
    assertThat(simCalls("GET /v1/customers/{id}")).isEqualTo(before + 1);
  }

  @Test
  void stripesDateDecidesBetweenKeepingTheAnswerAndTakingTheCopy() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_refresh_date";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String path = "/v1/customers/" + customer;
    EdgeResponse fill = call(edge, get(key, path, ""));
    long dated =
        java.time.ZonedDateTime.parse(
                fill.header("date"), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
            .toEpochSecond();
    long before = simCalls("GET /v1/customers/{id}");

    // Stripe answered after the event's second: the answer already shows that change.
    edge.refresh(change(customer, dated - 1, fill.header("stripe-version"), "Older"));
    EdgeResponse kept = call(edge, get(key, path, ""));
    assertThat(kept.bodyText()).contains("Before");
    assertThat(kept.header("cache-status")).contains("hit");

    // An event in the answer's own second is taken: the copy lives a few seconds at most.
    edge.refresh(change(customer, dated, fill.header("stripe-version"), "SameSecond"));
    EdgeResponse copied = call(edge, get(key, path, ""));
    assertThat(copied.bodyText()).contains("SameSecond");
    assertThat(simCalls("GET /v1/customers/{id}")).isEqualTo(before);
  }

  @Test
  void aMissingObjectIsAskedForEachTimeUnlessNegativeCachingIsOn() {
    String key = "sk_test_pl_not_found";
    EdgePipeline plain = pipeline(jdk);
    long before = simCalls("GET /v1/customers/{id}");
    assertThat(call(plain, get(key, "/v1/customers/cus_nobody", "")).status()).isEqualTo(404);
    assertThat(call(plain, get(key, "/v1/customers/cus_nobody", "")).status()).isEqualTo(404);
    assertThat(simCalls("GET /v1/customers/{id}") - before).isEqualTo(2);

    EdgePipeline negative =
        EdgePipeline.builder(jdk)
            .random(new SplittableRandom(SEEDS.incrementAndGet()))
            .cacheConfig(CacheConfig.defaults().withNotFoundTtl(Duration.ofSeconds(30)))
            .meterRegistry(meters)
            .build();
    before = simCalls("GET /v1/customers/{id}");
    EdgeResponse first = call(negative, get(key, "/v1/customers/cus_nobody", ""));
    EdgeResponse second = call(negative, get(key, "/v1/customers/cus_nobody", ""));

    assertThat(first.status()).isEqualTo(404);
    assertThat(second.status()).isEqualTo(404);
    assertThat(second.bodyText()).contains("resource_missing");
    assertThat(second.header("cache-status")).contains("hit");
    assertThat(simCalls("GET /v1/customers/{id}") - before).isEqualTo(1);
  }

  @Test
  void creatingAnObjectWithItsOwnIdEndsItsNegativeEntry() {
    String key = "sk_test_pl_not_found_create";
    EdgePipeline edge =
        EdgePipeline.builder(jdk)
            .random(new SplittableRandom(SEEDS.incrementAndGet()))
            .cacheConfig(CacheConfig.defaults().withNotFoundTtl(Duration.ofSeconds(30)))
            .meterRegistry(meters)
            .build();
    assertThat(call(edge, get(key, "/v1/products/prod_custom_neg", "")).status()).isEqualTo(404);
    assertThat(call(edge, get(key, "/v1/products/prod_custom_neg", "")).header("cache-status"))
        .contains("hit");

    assertThat(call(edge, post(key, "/v1/products", "id=prod_custom_neg&name=Now")).status())
        .isEqualTo(200);

    EdgeResponse found = call(edge, get(key, "/v1/products/prod_custom_neg", ""));
    assertThat(found.status()).isEqualTo(200);
    assertThat(found.bodyText()).contains("Now");
  }

  @Test
  void aWarmingListStoresEachObjectAsItsRetrieve() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_warm";
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(id(call(edge, post(key, "/v1/customers", "name=Warm" + i))));
    }

    EdgeResponse list =
        call(edge, get(key, "/v1/customers", "limit=10").withHeader("Stripe-Edge-Warm", "objects"));

    assertThat(list.status()).isEqualTo(200);
    assertThat(list.header("stripe-edge-warmed")).isEqualTo("3");
    long before = simCalls("GET /v1/customers/{id}");
    for (String customer : ids) {
      EdgeResponse read = call(edge, get(key, "/v1/customers/" + customer, ""));
      assertThat(read.header("cache-status")).contains("hit");
      assertThat(id(read)).isEqualTo(customer);
    }
    assertThat(simCalls("GET /v1/customers/{id}")).isEqualTo(before);
    // Stored per API key like any fill: another key's read is its own miss.
    EdgeResponse other =
        call(edge, get("sk_test_pl_warm_other", "/v1/customers/" + ids.get(0), ""));
    assertThat(other.header("cache-status")).doesNotContain("hit");
  }

  @Test
  void anExpandingListWarmsNothing() {
    EdgePipeline edge = pipeline(jdk);
    String key = "sk_test_pl_warm_expand";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Expanded")));

    EdgeResponse list =
        call(
            edge,
            get(key, "/v1/customers", "expand[]=data.default_source")
                .withHeader("Stripe-Edge-Warm", "objects"));

    assertThat(list.status()).isEqualTo(200);
    assertThat(list.header("stripe-edge-warmed")).isNull();
    assertThat(call(edge, get(key, "/v1/customers/" + customer, "")).header("cache-status"))
        .doesNotContain("hit");
  }

  @Test
  void aRateLimited429IsRetriedAndCreatesOnce() {
    String key = "sk_test_pl_limited";
    // Two creates per second on the endpoint: the third of a quick burst meets the limiter.
    sim.sim().reconfigure(c -> c.withLimits(new SimConfig.Limits(true, 0, 2, 20, 100, 1000, 0)));
    EdgePipeline edge =
        EdgePipeline.builder(jdk)
            .random(new SplittableRandom(SEEDS.incrementAndGet()))
            .retryConfig(
                RetryConfig.defaults()
                    .withMaxAttempts(10)
                    .withBackoff(Duration.ofMillis(300), Duration.ofMillis(300)))
            .meterRegistry(meters)
            .build();
    long limited = sim.sim().counters().getOrDefault("POST /v1/customers 429", 0L);

    List<CompletableFuture<EdgeResponse>> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(edge.handle(post(key, "/v1/customers", "name=Burst" + i)));
    }
    List<EdgeResponse> created =
        sent.stream().map(f -> f.orTimeout(10, TimeUnit.SECONDS).join()).toList();

    assertThat(created).allSatisfy(r -> assertThat(r.status()).as(r.bodyText()).isEqualTo(200));
    assertThat(sim.sim().counters().get("POST /v1/customers 429")).isGreaterThan(limited);
    assertThat(created.stream().map(r -> r.header("server-timing")))
        .anySatisfy(timing -> assertThat(timing).doesNotContain("retries;desc=\"0\""));
    // A limiter's 429 acted on nothing: three creates, three customers.
    sim.sim().reconfigure(c -> c.withLimits(SimConfig.Limits.off()));
    EdgeResponse list =
        call(edge, get(key, "/v1/customers", "limit=10").withHeader("Stripe-Edge-Cache", "bypass"));
    assertThat(CUSTOMER.matcher(list.bodyText()).results().count()).isEqualTo(3);
  }

  @Test
  void unreachableUpstreamAnswersAStripeShaped502() {
    EdgePipeline edge =
        pipeline(Upstream.jdk(URI.create("http://127.0.0.1:1"), Duration.ofSeconds(1)));

    EdgeResponse response = call(edge, get("sk_test_pl_down", "/v1/customers/cus_x", ""));

    assertThat(response.status()).isEqualTo(502);
    assertThat(response.bodyText())
        .contains("\"type\":\"api_error\"")
        .contains("\"code\":\"api_connection_error\"")
        .doesNotContain("Exception");
  }

  @Test
  void staleIfErrorServesTheOldEntryWhenUpstreamFails() {
    long[] now = {0};
    EdgePipeline edge =
        EdgePipeline.builder(jdk)
            .random(new SplittableRandom(SEEDS.incrementAndGet()))
            .scheduler(NOW)
            .ticker(() -> now[0])
            .build();
    String key = "sk_test_pl_sie";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Kept")));
    call(edge, get(key, "/v1/customers/" + customer, ""));
    now[0] += Duration.ofSeconds(61).toNanos();
    sim.sim()
        .reconfigure(
            c ->
                c.withFaults(
                    List.of(new FaultRule(FaultKind.ERROR_503, 1.0, "GET /v1/customers/{id}", 3))));

    EdgeResponse stale = call(edge, get(key, "/v1/customers/" + customer, ""));

    assertThat(stale.status()).isEqualTo(200);
    assertThat(stale.header("cache-status")).isEqualTo("stripe-edge; hit; detail=stale-if-error");
    assertThat(stale.bodyText()).contains("Kept");
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
