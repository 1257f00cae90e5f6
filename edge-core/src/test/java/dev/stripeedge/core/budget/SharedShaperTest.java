package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.StripeRoutes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Two shapers (two edges) sharing one budget through an in-memory store on a fake clock: the
 * leasing, the local fair share while the store fails, and the return to the shared budget, with
 * exact timings. RedisSharedBudgetIT runs the same against a real Redis.
 */
class SharedShaperTest {

  private static final byte[] SECRET = new byte[32];
  private static final Duration LONG = Duration.ofMinutes(10);
  private static final double RATE = 40;

  private final FakeTime time = new FakeTime();
  private final MemorySharedBudget store = new MemorySharedBudget(time);
  private final SharedBudgetConfig sharing = SharedBudgetConfig.defaults();

  /** 40/s, buckets of 0.25 s (10 tokens), no endpoint limit to speak of, no reserve. */
  private static BudgetConfig config() {
    return config(RATE, 10_000);
  }

  private static BudgetConfig config(double global, double endpoint) {
    return BudgetConfig.live()
        .withRates(global, endpoint)
        .withLanes(0, 8, 3, 1)
        .withMaxWaits(LONG, LONG, LONG)
        .withConcurrency(10_000)
        .withForecast(ForecastConfig.off());
  }

  private static final java.util.concurrent.atomic.AtomicLong SEEDS =
      new java.util.concurrent.atomic.AtomicLong(7);

  /** An edge: its shaper, its meters, and when it admitted each attempt. */
  private final class Edge {
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final Budget budget;
    final List<Long> admitted = new ArrayList<>();
    int refused;

    Edge() {
      this(config());
    }

    Edge(BudgetConfig config) {
      // Seeded lease jitter: the same interleaving on every run of the fake clock.
      budget =
          new Shaper(
              config,
              LaneRule.stripe(),
              time,
              time,
              meters,
              SECRET,
              store,
              sharing,
              new SplittableRandom(SEEDS.incrementAndGet()));
    }

    /** Queues {@code n} attempts; each admitted one is released at once (a zero-time upstream). */
    void demand(int n) {
      for (int i = 0; i < n; i++) {
        EdgeRequest request = request("/v1/customers/cus_" + i);
        budget
            .admit(request, StripeRoutes.classify(request.path()), LONG)
            .thenAccept(
                admission -> {
                  if (admission instanceof Admission.Admitted ok) {
                    admitted.add(time.nanos());
                    ok.permit().release(new EdgeResponse(200, Map.of(), new byte[0]));
                  } else {
                    refused++;
                  }
                });
      }
    }

    long between(long from, long to) {
      return admitted.stream().filter(t -> t >= from && t < to).count();
    }

    double gauge(String name) {
      return meters.get(name).gauge().value();
    }

    double counter(String name, String... tags) {
      return meters.get(name).tags(tags).counter().count();
    }
  }

  private static EdgeRequest request(String path) {
    Map<String, List<String>> headers = new HashMap<>();
    headers.put("Authorization", List.of("Bearer sk_live_shared"));
    return new EdgeRequest("GET", path, "", headers, new byte[0]);
  }

  private void runFor(Duration span) {
    for (long ms = 0; ms < span.toMillis(); ms += 5) {
      time.advance(Duration.ofMillis(5));
    }
  }

  @Test
  void twoEdgesTogetherNeverExceedTheAccountsRateAndShareItEqually() {
    store.edges(2);
    store.roundTrip(Duration.ofMillis(1));
    Edge a = new Edge();
    Edge b = new Edge();
    long start = time.nanos();
    a.demand(1_000);
    b.demand(1_000);

    runFor(Duration.ofSeconds(10));

    // The store's bucket: 10 tokens at once, then 40 per second, for both edges together.
    long total = a.admitted.size() + b.admitted.size();
    assertThat(total).isBetween((long) (RATE * 10 * 0.95), (long) (RATE * 10) + 10);
    for (int s = 1; s < 10; s++) {
      long from = start + s * 1_000_000_000L;
      long to = from + 1_000_000_000L;
      // Any window of a token bucket: the rate over it plus at most one full bucket (10).
      assertThat(a.between(from, to) + b.between(from, to)).isLessThanOrEqualTo((long) RATE + 10);
    }
    // Alone, each edge's own buckets would have let it do 40/s.
    assertThat((long) a.admitted.size()).isBetween(total * 4 / 10, total * 6 / 10);
    assertThat((long) b.admitted.size()).isBetween(total * 4 / 10, total * 6 / 10);
    assertThat(a.refused + b.refused).isZero();
    assertThat(a.gauge("stripe.edge.budget.shared")).isEqualTo(1);
    assertThat(a.counter("stripe.edge.budget.shared.leases", "outcome", "granted")).isPositive();
  }

  @Test
  void twoEdgesTogetherNeverExceedAnEndpointsRateAndShareItEqually() {
    // The edge that loses a race for the endpoint's tokens has not asked for global ones yet: it
    // must still wake up when the endpoint's bucket is due again.
    store.edges(2);
    store.roundTrip(Duration.ofMillis(1));
    Edge a = new Edge(config(10_000, RATE));
    Edge b = new Edge(config(10_000, RATE));
    a.demand(1_000);
    b.demand(1_000);

    runFor(Duration.ofSeconds(10));

    long total = a.admitted.size() + b.admitted.size();
    assertThat(total).isBetween((long) (RATE * 10 * 0.95), (long) (RATE * 10) + 10);
    assertThat((long) a.admitted.size()).isBetween(total * 4 / 10, total * 6 / 10);
  }

  @Test
  void anIdleEdgeLeasesNothing() {
    new Edge();
    runFor(Duration.ofSeconds(2));

    assertThat(store.leases()).isZero();
  }

  @Test
  void leasesAreBatchesNotOneRoundTripPerRequest() {
    Edge a = new Edge();
    a.demand(1_000);

    runFor(Duration.ofSeconds(5));

    // 10 + 200 tokens: the global and the endpoint bucket each lease several at a time.
    assertThat(a.admitted).hasSizeBetween(205, 210);
    assertThat(store.leases()).isLessThan(2 * 210 / 3);
  }

  @Test
  void whenTheStoreFailsEachEdgeSpendsItsFairShareAndReturnsWhenItAnswers() {
    store.edges(2);
    Edge a = new Edge();
    Edge b = new Edge();
    a.demand(2_000);
    b.demand(2_000);
    runFor(Duration.ofSeconds(2));

    store.state(MemorySharedBudget.State.DOWN);
    // The next lease or heartbeat fails, whichever comes first.
    runFor(sharing.heartbeat());
    assertThat(a.gauge("stripe.edge.budget.shared")).isZero();
    assertThat(b.gauge("stripe.edge.budget.shared")).isZero();
    long down = time.nanos();
    runFor(Duration.ofSeconds(10));

    // rate / 2 each (a bucket of 0.25 s of it to start with): the account's rate together.
    long aLocal = a.between(down, time.nanos());
    long bLocal = b.between(down, time.nanos());
    assertThat(aLocal).isBetween(195L, 206L);
    assertThat(bLocal).isBetween(195L, 206L);
    assertThat(a.counter("stripe.edge.budget.shared.transitions", "to", "local")).isEqualTo(1);

    store.state(MemorySharedBudget.State.UP);
    runFor(sharing.heartbeat());
    assertThat(a.gauge("stripe.edge.budget.shared")).isEqualTo(1);
    assertThat(b.gauge("stripe.edge.budget.shared")).isEqualTo(1);
    assertThat(a.counter("stripe.edge.budget.shared.transitions", "to", "shared")).isEqualTo(1);
    long up = time.nanos();
    int leases = store.leases();
    runFor(Duration.ofSeconds(5));

    long together = a.between(up, time.nanos()) + b.between(up, time.nanos());
    assertThat(together).isLessThanOrEqualTo((long) (RATE * 5) + 10);
    assertThat(store.leases()).isGreaterThan(leases);
    assertThat(a.refused + b.refused).isZero();
  }

  @Test
  void aStoreThatDoesNotAnswerCountsAsDownAfterTheTimeout() {
    Edge a = new Edge();
    runFor(Duration.ofMillis(10));
    store.state(MemorySharedBudget.State.HANGING);
    a.demand(100);

    assertThat(a.admitted).isEmpty();
    runFor(sharing.timeout().plusMillis(5));

    // Alone (the last heartbeat counted one edge): the whole rate's bucket at once.
    assertThat(a.gauge("stripe.edge.budget.shared")).isZero();
    assertThat(a.admitted).hasSize(10);
  }

  @Test
  void leasedTokensNotSpentInTimeExpire() {
    Edge a = new Edge();
    a.demand(1);
    runFor(Duration.ofMillis(10));
    assertThat(a.admitted).hasSize(1);

    runFor(sharing.leaseTtl());
    a.demand(1);

    // The 4 tokens left of the first lease were dropped; the second attempt leased anew.
    assertThat(a.admitted).hasSize(2);
    assertThat(a.counter("stripe.edge.budget.shared.expired")).isEqualTo(8);
  }

  /** An attempt of {@code account} (with the usual key) admitted and released at once. */
  private static void once(Edge edge, String account) {
    Map<String, List<String>> headers = new HashMap<>();
    headers.put("Authorization", List.of("Bearer sk_live_shared"));
    headers.put("Stripe-Account", List.of(account));
    EdgeRequest request = new EdgeRequest("GET", "/v1/customers/cus_1", "", headers, new byte[0]);
    edge.budget
        .admit(request, StripeRoutes.classify(request.path()), LONG)
        .thenAccept(
            admission -> {
              if (admission instanceof Admission.Admitted ok) {
                ok.permit().release(new EdgeResponse(401, Map.of(), new byte[0]));
              }
            });
  }

  @Test
  void randomAccountsStayUnderTheBoundWithASharedBudget() {
    Edge a = new Edge();
    SplittableRandom random = new SplittableRandom(18);
    double most = 0;
    for (int i = 0; i < 30_000; i++) {
      once(a, "acct_" + random.nextLong());
      most = Math.max(most, a.gauge("stripe.edge.budget.accounts"));
      time.advance(Duration.ofNanos(100_000));
    }

    // Leased tokens left over do not pin an account: dropping them only wastes them.
    assertThat(most).isLessThanOrEqualTo(Shaper.SWEEP_AT + 1);
    assertThat(a.counter("stripe.edge.budget.accounts.forgotten")).isGreaterThan(15_000);
  }

  @Test
  void anAccountWaitingForTheStoreIsNotForgotten() {
    // The other edge empties the account's shared bucket: this edge's waiters then wait for the
    // store to refill it, with every bucket of their own full.
    Edge a = new Edge();
    Edge b = new Edge();
    b.demand(10);
    assertThat(b.admitted).hasSize(10);
    a.demand(5);
    assertThat(a.admitted).isEmpty();
    for (int i = 0; i <= Shaper.SWEEP_AT; i++) {
      once(a, "acct_flood_" + i);
    }

    assertThat(((Shaper) a.budget).holds(request("/v1/customers/cus_1"))).isTrue();
    runFor(Duration.ofSeconds(1));
    assertThat(a.admitted).hasSize(5);
  }
}
