package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.StripeRoutes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The shaper on a fake clock: every timing is exact, nothing sleeps. */
class ShaperTest {

  private static final byte[] SECRET = new byte[32];
  private static final Duration LONG = Duration.ofMinutes(10);

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /**
   * Live defaults, no reserve, no endpoint limit to speak of, waits long enough for anything; fixed
   * shares (forecasting off: ForecastShaperTest covers it).
   */
  private static BudgetConfig plain() {
    return BudgetConfig.live()
        .withRates(90, 10_000)
        .withLanes(0, 8, 3, 1)
        .withMaxWaits(LONG, LONG, LONG)
        .withConcurrency(10_000)
        .withForecast(ForecastConfig.off());
  }

  private Budget shaper(BudgetConfig config) {
    return Budget.shaper(config, LaneRule.stripe(), time, time, meters, SECRET);
  }

  private static EdgeRequest request(String method, String path, String... headers) {
    Map<String, List<String>> map = new HashMap<>();
    map.put("Authorization", List.of("Bearer sk_live_shaper"));
    for (int i = 0; i < headers.length; i += 2) {
      map.put(headers[i], List.of(headers[i + 1]));
    }
    return new EdgeRequest(method, path, "", map, new byte[0]);
  }

  private static EdgeRequest lane(Lane lane, int i) {
    String urgency =
        switch (lane) {
          case CRITICAL -> "u=0";
          case NORMAL -> "u=3";
          case BACKGROUND -> "u=7";
        };
    return request("GET", "/v1/customers/cus_" + i, "Priority", urgency);
  }

  private static CompletableFuture<Admission> admit(Budget budget, EdgeRequest request) {
    return budget.admit(request, StripeRoutes.classify(request.path()), LONG);
  }

  /** Admits and releases at once (a zero-latency upstream), recording admission times. */
  private CompletableFuture<Admission> admitAndRelease(
      Budget budget, EdgeRequest request, List<Long> admittedAt) {
    CompletableFuture<Admission> future = admit(budget, request);
    future.thenAccept(
        admission -> {
          if (admission instanceof Admission.Admitted admitted) {
            admittedAt.add(time.nanos());
            admitted.permit().release(ok());
          }
        });
    return future;
  }

  private static EdgeResponse ok() {
    return new EdgeResponse(200, Map.of(), new byte[0]);
  }

  private static EdgeResponse rateLimited(String reason) {
    return new EdgeResponse(
        429,
        Map.of("Stripe-Rate-Limited-Reason", List.of(reason)),
        "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"rate_limit\"}}"
            .getBytes(StandardCharsets.UTF_8));
  }

  private static EdgeResponse lockTimeout() {
    return new EdgeResponse(
        429,
        Map.of("Stripe-Should-Retry", List.of("true")),
        "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"lock_timeout\"}}"
            .getBytes(StandardCharsets.UTF_8));
  }

  private static long countBetween(List<Long> times, long from, long to) {
    return times.stream().filter(t -> t >= from && t < to).count();
  }

  @Test
  void globalRateIsHonouredExactly() {
    Budget budget = shaper(plain());
    List<Long> admitted = new ArrayList<>();
    long start = time.nanos();
    for (int i = 0; i < 2_000; i++) {
      admitAndRelease(budget, lane(Lane.NORMAL, i), admitted);
    }

    time.advance(Duration.ofSeconds(10));

    // A burst of 0.25 s (22.5 tokens) at once, then exactly 90 per second.
    assertThat(countBetween(admitted, start, start + 1)).isEqualTo(22);
    assertThat(admitted).hasSize(22 + 900);
    for (int s = 1; s < 10; s++) {
      long from = start + s * 1_000_000_000L;
      assertThat(countBetween(admitted, from, from + 1_000_000_000L)).isBetween(89L, 91L);
    }
  }

  @Test
  void endpointRateIsHonouredPerMethodAndTemplate() {
    Budget budget = shaper(plain().withRates(90, 23));
    List<Long> retrieves = new ArrayList<>();
    List<Long> updates = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      admitAndRelease(budget, request("GET", "/v1/customers/cus_" + i), retrieves);
      admitAndRelease(budget, request("POST", "/v1/customers/cus_" + i), updates);
    }

    time.advance(Duration.ofSeconds(4));

    // 5.75 tokens of burst, then 23/s, for each endpoint on its own.
    assertThat(retrieves).hasSize(5 + 92);
    assertThat(updates).hasSize(5 + 92);
  }

  @Test
  void backgroundNeverTakesTheCriticalReserve() {
    Budget budget = shaper(plain().withLanes(0.2, 8, 3, 1));
    List<Long> background = new ArrayList<>();
    long start = time.nanos();
    for (int i = 0; i < 2_000; i++) {
      admitAndRelease(budget, lane(Lane.BACKGROUND, i), background);
    }

    time.advance(Duration.ofSeconds(10));

    // 72/s: the shared 80 %, never the reserved 18/s.
    long afterBurst = start + 1_000_000_000L;
    assertThat(countBetween(background, afterBurst, afterBurst + 9_000_000_000L))
        .isBetween(647L, 649L);
  }

  @Test
  void criticalWithinItsReserveNeverWaitsBehindSaturatingBackground() {
    Budget budget = shaper(plain().withLanes(0.2, 8, 3, 1));
    List<Long> ignored = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      admitAndRelease(budget, lane(Lane.BACKGROUND, i), ignored);
    }
    time.advance(Duration.ofSeconds(2));
    List<CompletableFuture<Admission>> critical = new ArrayList<>();

    for (int i = 0; i < 90; i++) { // 18/s for 5 s
      critical.add(admitAndRelease(budget, lane(Lane.CRITICAL, i), new ArrayList<>()));
      time.advance(Duration.ofNanos(1_000_000_000L / 18));
    }

    assertThat(critical)
        .allSatisfy(
            f -> {
              assertThat(f).isCompleted();
              Admission admission = f.join();
              assertThat(admission).isInstanceOf(Admission.Admitted.class);
              assertThat(((Admission.Admitted) admission).permit().queuedNanos()).isZero();
            });
  }

  @Test
  void lanesShareByWeightAndNoneStarves() {
    Budget budget = shaper(plain());
    Map<Lane, List<Long>> admitted = new EnumMap<>(Lane.class);
    for (Lane lane : Lane.values()) {
      admitted.put(lane, new ArrayList<>());
    }
    long start = time.nanos();
    for (int i = 0; i < 1_000; i++) {
      for (Lane lane : Lane.values()) {
        admitAndRelease(budget, lane(lane, i), admitted.get(lane));
      }
    }

    time.advance(Duration.ofSeconds(10));

    // The burst goes in arrival order; the 900 after it split 8:3:1.
    long end = start + 10_000_000_001L;
    assertThat(countBetween(admitted.get(Lane.CRITICAL), start + 1, end)).isBetween(599L, 601L);
    assertThat(countBetween(admitted.get(Lane.NORMAL), start + 1, end)).isBetween(224L, 226L);
    assertThat(countBetween(admitted.get(Lane.BACKGROUND), start + 1, end)).isBetween(74L, 76L);
  }

  @Test
  void refusesAtOnceWhatCannotBeServedBeforeTheDeadline() {
    BudgetConfig config =
        plain().withMaxWaits(LONG, LONG, Duration.ofSeconds(2)); // background: 2 s
    Budget budget = shaper(config);
    List<CompletableFuture<Admission>> futures = new ArrayList<>();

    for (int i = 0; i < 400; i++) {
      futures.add(admitAndRelease(budget, lane(Lane.BACKGROUND, i), new ArrayList<>()));
    }

    // No time has passed: everything beyond the burst and 2 s of 90/s is refused already.
    List<Admission.Refused> refused =
        futures.stream()
            .filter(CompletableFuture::isDone)
            .map(CompletableFuture::join)
            .filter(Admission.Refused.class::isInstance)
            .map(Admission.Refused.class::cast)
            .toList();
    assertThat(refused).hasSize(400 - 22 - 180);
    Admission.Refused first = refused.get(0);
    assertThat(first.response().status()).isEqualTo(429);
    assertThat(first.response().header("retry-after")).isEqualTo("3");
    assertThat(first.response().header("stripe-edge-refused")).isEqualTo("budget");
    assertThat(first.response().bodyText())
        .contains("\"type\":\"invalid_request_error\"")
        .contains("\"code\":\"rate_limit\"");
    assertThat(meters.get("stripe.edge.budget.refused").tag("lane", "background").counter().count())
        .isEqualTo(198);

    time.advance(Duration.ofSeconds(3));
    assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
    assertThat(futures.stream().filter(f -> f.join() instanceof Admission.Admitted)).hasSize(202);
  }

  @Test
  void refusesAtTheDeadlineWhenTheEstimateWasWrong() {
    Budget budget = shaper(plain().withConcurrency(1));
    CompletableFuture<Admission> holder = admit(budget, lane(Lane.NORMAL, 1));
    EdgeRequest second = lane(Lane.NORMAL, 2);

    CompletableFuture<Admission> waiting =
        budget.admit(second, StripeRoutes.classify(second.path()), Duration.ofSeconds(1));
    time.advance(Duration.ofMillis(999));
    assertThat(waiting).isNotDone();
    time.advance(Duration.ofMillis(1));

    assertThat(holder.join()).isInstanceOf(Admission.Admitted.class);
    assertThat(waiting.join()).isInstanceOf(Admission.Refused.class);
  }

  @Test
  void concurrencyBoundWaitsForARelease() {
    Budget budget = shaper(plain().withConcurrency(2));
    CompletableFuture<Admission> one = admit(budget, lane(Lane.NORMAL, 1));
    admit(budget, lane(Lane.NORMAL, 2));
    CompletableFuture<Admission> three = admit(budget, lane(Lane.NORMAL, 3));
    time.advance(Duration.ofSeconds(1));
    assertThat(three).isNotDone();

    ((Admission.Admitted) one.join()).permit().release(ok());

    assertThat(three).isCompleted();
    assertThat(((Admission.Admitted) three.join()).permit().queuedNanos())
        .isEqualTo(1_000_000_000L);
  }

  @Test
  void writesToOneObjectQueueBehindEachOther() {
    Budget budget = shaper(plain());
    CompletableFuture<Admission> first = admit(budget, request("POST", "/v1/payment_intents/pi_1"));
    CompletableFuture<Admission> second =
        admit(budget, request("POST", "/v1/payment_intents/pi_1/confirm"));
    CompletableFuture<Admission> other = admit(budget, request("POST", "/v1/payment_intents/pi_2"));
    CompletableFuture<Admission> read = admit(budget, request("GET", "/v1/payment_intents/pi_1"));

    assertThat(first).isCompleted();
    assertThat(second).isNotDone();
    assertThat(other).isCompleted();
    assertThat(read).isCompleted();

    ((Admission.Admitted) first.join()).permit().release(ok());
    assertThat(second.join()).isInstanceOf(Admission.Admitted.class);
  }

  @Test
  void lockTimeoutSerialisesThatObjectWhenWritesRunFree() {
    Budget budget = shaper(plain().withSerializeWrites(false));
    EdgeRequest write = request("POST", "/v1/payment_intents/pi_1");
    CompletableFuture<Admission> a = admit(budget, write);
    CompletableFuture<Admission> b = admit(budget, write);
    assertThat(b).isCompleted(); // no serialisation yet

    ((Admission.Admitted) a.join()).permit().release(lockTimeout());
    ((Admission.Admitted) b.join()).permit().release(ok());
    CompletableFuture<Admission> c = admit(budget, write);
    CompletableFuture<Admission> d = admit(budget, write);
    CompletableFuture<Admission> elsewhere = admit(budget, request("POST", "/v1/customers/cus_1"));
    CompletableFuture<Admission> elsewhere2 = admit(budget, request("POST", "/v1/customers/cus_1"));

    assertThat(c).isCompleted();
    assertThat(d).isNotDone();
    assertThat(elsewhere).isCompleted();
    assertThat(elsewhere2).isCompleted();
    ((Admission.Admitted) c.join()).permit().release(ok());
    assertThat(d).isCompleted();
  }

  @Test
  void globalRate429CutsTheRateAndItRecoversAdditively() {
    Budget budget = shaper(plain());
    List<Long> admitted = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      admitAndRelease(budget, lane(Lane.NORMAL, i), admitted);
    }
    time.advance(Duration.ofSeconds(2));
    CompletableFuture<Admission> probe = admit(budget, lane(Lane.CRITICAL, 0));
    time.advance(Duration.ofSeconds(1));

    ((Admission.Admitted) probe.join()).permit().release(rateLimited("global-rate"));
    long cut = time.nanos();
    time.advance(Duration.ofSeconds(1));

    // ×0.7: 63/s, growing by 2 % of 90 (1.8/s) each second: about 64 in the first second.
    assertThat(countBetween(admitted, cut, cut + 1_000_000_000L)).isBetween(63L, 65L);
    time.advance(Duration.ofSeconds(20));
    long later = time.nanos();
    time.advance(Duration.ofSeconds(1));
    assertThat(countBetween(admitted, later, later + 1_000_000_000L)).isBetween(89L, 91L);
    assertThat(
            meters.get("stripe.edge.budget.cuts").tag("limiter", "global-rate").counter().count())
        .isEqualTo(1);
  }

  @Test
  void aBurstOf429sIsOneCut() {
    Budget budget = shaper(plain());
    List<Admission.Admitted> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add((Admission.Admitted) admit(budget, lane(Lane.NORMAL, i)).join());
    }

    held.forEach(h -> h.permit().release(rateLimited("global-rate")));

    assertThat(
            meters.get("stripe.edge.budget.cuts").tag("limiter", "global-rate").counter().count())
        .isEqualTo(1);
  }

  @Test
  void endpointRate429CutsOnlyThatEndpoint() {
    Budget budget = shaper(plain().withRates(90, 20));
    CompletableFuture<Admission> probe = admit(budget, request("GET", "/v1/customers/cus_0"));
    ((Admission.Admitted) probe.join()).permit().release(rateLimited("endpoint-rate"));
    List<Long> customers = new ArrayList<>();
    List<Long> products = new ArrayList<>();
    long start = time.nanos();
    for (int i = 0; i < 100; i++) {
      admitAndRelease(budget, request("GET", "/v1/customers/cus_" + i), customers);
      admitAndRelease(budget, request("GET", "/v1/products/prod_" + i), products);
    }

    time.advance(Duration.ofSeconds(2));

    // Customers: emptied and cut to 14/s; products: 5 of burst and 20/s.
    assertThat(countBetween(customers, start, start + 2_000_000_000L)).isBetween(28L, 29L);
    assertThat(products).hasSize(5 + 40);
  }

  @Test
  void accountsHaveBudgetsOfTheirOwn() {
    Budget budget = shaper(plain().withConcurrency(1));
    admit(budget, request("GET", "/v1/customers/cus_1"));

    CompletableFuture<Admission> sameKey = admit(budget, request("GET", "/v1/customers/cus_2"));
    CompletableFuture<Admission> connected =
        admit(budget, request("GET", "/v1/customers/cus_2", "Stripe-Account", "acct_1"));
    EdgeRequest otherKey =
        new EdgeRequest(
            "GET",
            "/v1/customers/cus_2",
            "",
            Map.of("Authorization", List.of("Bearer sk_live_other")),
            new byte[0]);
    CompletableFuture<Admission> other = admit(budget, otherKey);

    assertThat(sameKey).isNotDone();
    assertThat(connected).isCompleted();
    assertThat(other).isCompleted();
  }

  @Test
  void metersShowQueueDepthWaitAndAdmissions() {
    Budget budget = shaper(plain());
    for (int i = 0; i < 30; i++) {
      admitAndRelease(budget, lane(Lane.BACKGROUND, i), new ArrayList<>());
    }

    assertThat(meters.get("stripe.edge.budget.queue").tag("lane", "background").gauge().value())
        .isEqualTo(8);
    time.advance(Duration.ofSeconds(1));
    assertThat(meters.get("stripe.edge.budget.queue").tag("lane", "background").gauge().value())
        .isZero();
    assertThat(
            meters.get("stripe.edge.budget.admitted").tag("lane", "background").counter().count())
        .isEqualTo(30);
    assertThat(
            meters
                .get("stripe.edge.budget.wait")
                .tag("lane", "background")
                .timer()
                .max(java.util.concurrent.TimeUnit.MILLISECONDS))
        .isGreaterThan(80);
  }

  @Test
  void sandboxKeysGetAQuarterOfTheLiveRate() {
    Budget budget = shaper(BudgetConfig.live());
    String[] resources = {"customers", "products", "prices", "plans", "invoices", "charges"};
    int live = 0;
    int sandbox = 0;
    for (int i = 0; i < 60; i++) {
      String path = "/v1/" + resources[i % resources.length] + "/obj_" + i;
      if (admit(budget, request("GET", path, "Priority", "u=3")).isDone()) {
        live++;
      }
      if (admit(
              budget,
              request("GET", path, "Priority", "u=3", "Authorization", "Bearer sk_test_shaper"))
          .isDone()) {
        sandbox++;
      }
    }

    assertThat(sandbox).isPositive().isLessThanOrEqualTo(live / 3);
  }
}
