package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.StripeRoutes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: the accounts the shaper holds state for are named by the request, so anyone can make
 * new ones. On a fake clock: random accounts never grow the map past the sweep threshold, busy
 * accounts are never forgotten, and forgetting an idle one gives it nothing more than it had.
 */
class ShaperAccountsTest {

  private static final byte[] SECRET = new byte[32];
  private static final Duration LONG = Duration.ofMinutes(10);
  private static final long SECOND = 1_000_000_000L;

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final SplittableRandom random = new SplittableRandom(18);
  private int flooded;

  /** 90/s in buckets of 0.25 s (22.5 tokens), no reserve, no endpoint limit to speak of. */
  private static BudgetConfig plain() {
    return BudgetConfig.live()
        .withRates(90, 10_000)
        .withLanes(0, 8, 3, 1)
        .withMaxWaits(LONG, LONG, LONG)
        .withConcurrency(10_000)
        .withForecast(ForecastConfig.off());
  }

  private Shaper shaper(BudgetConfig config) {
    return (Shaper) Budget.shaper(config, LaneRule.stripe(), time, time, meters, SECRET);
  }

  private static EdgeRequest request(String apiKey, String account) {
    Map<String, List<String>> headers = new HashMap<>();
    headers.put("Authorization", List.of("Bearer " + apiKey));
    headers.put("Stripe-Account", List.of(account));
    return new EdgeRequest("GET", "/v1/customers/cus_1", "", headers, new byte[0]);
  }

  /** The account under test: one key, one connected account. */
  private static EdgeRequest mine() {
    return request("sk_live_mine", "acct_mine");
  }

  private static CompletableFuture<Admission> admit(Budget budget, EdgeRequest request) {
    return budget.admit(request, StripeRoutes.classify(request.path()), LONG);
  }

  /** What Stripe answers a made-up account: at once, and no rate-limit signal. */
  private static EdgeResponse unauthorized() {
    return new EdgeResponse(
        401,
        Map.of(),
        "{\"error\":{\"type\":\"invalid_request_error\"}}".getBytes(StandardCharsets.UTF_8));
  }

  /** Admits and releases at once, recording when. */
  private void admitAndRelease(Budget budget, EdgeRequest request, List<Long> admittedAt) {
    admit(budget, request)
        .thenAccept(
            admission -> {
              if (admission instanceof Admission.Admitted admitted) {
                admittedAt.add(time.nanos());
                admitted.permit().release(unauthorized());
              }
            });
  }

  /** {@code n} requests of new accounts, each answered at once, all at this instant. */
  private void flood(Budget budget, int n) {
    for (int i = 0; i < n; i++) {
      Admission admission =
          admit(budget, request("sk_live_stranger", "acct_flood_" + flooded++)).join();
      assertThat(admission).isInstanceOf(Admission.Admitted.class);
      ((Admission.Admitted) admission).permit().release(unauthorized());
    }
  }

  private double accounts() {
    return meters.get("stripe.edge.budget.accounts").gauge().value();
  }

  private double forgotten() {
    var counter = meters.find("stripe.edge.budget.accounts.forgotten").counter();
    return counter == null ? 0 : counter.count();
  }

  /** No window of {@code span} holds more than a full bucket plus the rate over the span. */
  private static void assertWithinRate(List<Long> admitted, double rate, double burst, long span) {
    for (long from : admitted) {
      long in = admitted.stream().filter(t -> t >= from && t < from + span).count();
      assertThat((double) in)
          .as("admitted in [%d, +%d ns)", from, span)
          .isLessThanOrEqualTo(Math.floor(rate * burst + rate * span / 1e9));
    }
  }

  @Test
  void aHundredThousandRandomAccountsStayUnderTheBound() {
    // The defaults (forecasting, reserve, endpoint limits), at 10,000 requests a second.
    Shaper budget = shaper(BudgetConfig.live());
    List<Long> admitted = new ArrayList<>();
    double most = 0;
    for (int i = 0; i < 100_000; i++) {
      String key = i % 10 == 0 ? "sk_live_" + random.nextLong() : "sk_live_stranger";
      admitAndRelease(budget, request(key, "acct_" + random.nextLong()), admitted);
      most = Math.max(most, accounts());
      time.advance(Duration.ofNanos(100_000));
    }

    // Every one was a first request of its account, admitted at once.
    assertThat(admitted).hasSize(100_000);
    assertThat(most).isLessThanOrEqualTo(Shaper.SWEEP_AT + 1);
    assertThat(forgotten()).isGreaterThan(80_000);
  }

  @Test
  void anAccountIsForgottenOnlyWhenFullAndLimitsHoldAcrossIt() {
    Shaper budget = shaper(plain());
    List<Long> mine = new ArrayList<>();
    for (int i = 0; i < 22; i++) {
      admitAndRelease(budget, mine(), mine);
    }
    assertThat(mine).hasSize(22);

    // A sweep while this account's bucket is still empty: it must stay, else a new one (full)
    // would hand out another burst at once.
    time.advance(Duration.ofMillis(1));
    flood(budget, Shaper.SWEEP_AT + 1);
    for (int i = 0; i < 22; i++) {
      admitAndRelease(budget, mine(), mine);
    }
    assertThat(mine).hasSize(22);
    assertThat(budget.holds(mine())).isTrue();

    // Its waiters go at 90/s; a second later every bucket is full again, and the next sweep
    // (at twice what the last one kept) forgets it with the others.
    time.advance(Duration.ofSeconds(2));
    assertThat(mine).hasSize(44);
    flood(budget, (int) accounts() + 1);
    // This one and the first flood; the second flood, a moment old, stays.
    assertThat(forgotten()).isEqualTo(Shaper.SWEEP_AT + 2);
    assertThat(budget.holds(mine())).isFalse();

    // Made again, it has a full bucket: what it would have had, and no more.
    long again = time.nanos();
    for (int i = 0; i < 100; i++) {
      admitAndRelease(budget, mine(), mine);
    }
    assertThat(mine.stream().filter(t -> t == again).count()).isEqualTo(22);
    time.advance(Duration.ofSeconds(1));
    assertThat(mine).hasSize(44 + 100);
    assertWithinRate(mine, 90, 0.25, SECOND);
    assertWithinRate(mine, 90, 0.25, SECOND / 10);
  }

  @Test
  void anAccountWithWaitersIsNeverForgotten() {
    Shaper budget = shaper(plain());
    flood(budget, Shaper.SWEEP_AT - 1);
    time.advance(Duration.ofSeconds(1));

    // 22 go at once, 78 wait (0.87 s at 90/s).
    List<Long> mine = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      admitAndRelease(budget, mine(), mine);
    }
    assertThat(mine).hasSize(22);

    // The second new account sweeps: the flood's, all at rest, go; this one stays.
    flood(budget, 2);
    assertThat(forgotten()).isEqualTo(Shaper.SWEEP_AT - 1);
    assertThat(accounts()).isEqualTo(3);
    assertThat(budget.holds(mine())).isTrue();

    // More of its requests queue behind the others instead of finding a new, full bucket.
    for (int i = 0; i < 10; i++) {
      admitAndRelease(budget, mine(), mine);
    }
    assertThat(mine).hasSize(22);
    time.advance(Duration.ofSeconds(2));
    assertThat(mine).hasSize(110);
    assertWithinRate(mine, 90, 0.25, SECOND);
  }

  @Test
  void anAccountWithAPermitOutIsNeverForgotten() {
    Shaper budget = shaper(plain().withConcurrency(1));
    Admission held = admit(budget, mine()).join();
    assertThat(held).isInstanceOf(Admission.Admitted.class);
    flood(budget, Shaper.SWEEP_AT - 1);
    time.advance(Duration.ofSeconds(1));

    // Every bucket is full again, but a permit is out: the sweep keeps the account.
    flood(budget, 2);
    assertThat(forgotten()).isEqualTo(Shaper.SWEEP_AT - 1);
    assertThat(accounts()).isEqualTo(3);
    assertThat(budget.holds(mine())).isTrue();

    // So its concurrency bound still holds: the next attempt waits for the release.
    CompletableFuture<Admission> next = admit(budget, mine());
    time.advance(Duration.ofSeconds(1));
    assertThat(next).isNotDone();
    ((Admission.Admitted) held).permit().release(unauthorized());
    assertThat(next.join()).isInstanceOf(Admission.Admitted.class);
  }

  @Test
  void anAccountWhoseRateWasCutIsKeptUntilItRecovers() {
    Shaper budget = shaper(plain());
    Admission first = admit(budget, mine()).join();
    ((Admission.Admitted) first)
        .permit()
        .release(
            new EdgeResponse(
                429,
                Map.of("Stripe-Rate-Limited-Reason", List.of("global-rate")),
                "{\"error\":{\"code\":\"rate_limit\"}}".getBytes(StandardCharsets.UTF_8)));
    flood(budget, Shaper.SWEEP_AT - 1);
    time.advance(Duration.ofSeconds(1));

    // Cut to 70 %, recovering 2 % a second: a new account would start at the full rate.
    flood(budget, 2);
    assertThat(forgotten()).isEqualTo(Shaper.SWEEP_AT - 1);
    assertThat(budget.holds(mine())).isTrue();

    // Recovered after 15 s; its bucket then still has to fill up to the full rate's size, which
    // it does from the first sweep that looks at it on.
    time.advance(Duration.ofSeconds(16));
    flood(budget, Shaper.SWEEP_AT);
    time.advance(Duration.ofSeconds(1));
    flood(budget, (int) accounts() + 1);
    assertThat(budget.holds(mine())).isFalse();
  }

  @Test
  void anAccountRememberingALockTimeoutIsKeptUntilItExpires() {
    Shaper budget = shaper(plain().withSerializeWrites(false));
    Map<String, List<String>> headers = new HashMap<>();
    headers.put("Authorization", List.of("Bearer sk_live_mine"));
    headers.put("Stripe-Account", List.of("acct_mine"));
    EdgeRequest write =
        new EdgeRequest("POST", "/v1/payment_intents/pi_1", "", headers, new byte[0]);
    Admission first = admit(budget, write).join();
    ((Admission.Admitted) first)
        .permit()
        .release(
            new EdgeResponse(
                429,
                Map.of(),
                "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"lock_timeout\"}}"
                    .getBytes(StandardCharsets.UTF_8)));
    flood(budget, Shaper.SWEEP_AT - 1);
    time.advance(Duration.ofSeconds(1));

    // Writes to pi_1 are serialised for a minute: a new account would let them run free.
    flood(budget, 2);
    assertThat(forgotten()).isEqualTo(Shaper.SWEEP_AT - 1);
    assertThat(budget.holds(write)).isTrue();

    time.advance(Duration.ofMinutes(1));
    flood(budget, Shaper.SWEEP_AT);
    assertThat(budget.holds(write)).isFalse();
  }
}
