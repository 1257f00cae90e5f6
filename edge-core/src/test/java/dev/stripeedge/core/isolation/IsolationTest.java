package dev.stripeedge.core.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.StripeRoutes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The breaker per key (account, connected account, route) and the bulkhead per flagged key. */
class IsolationTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  // The breaker's tests: a flagged key's bulkhead (100 slots) never gets in their way.
  private static final IsolationConfig BREAKER_ONLY =
      new IsolationConfig(
          true,
          IsolationConfig.Detection.defaults(),
          IsolationConfig.Breaker.defaults(),
          new IsolationConfig.Bulkhead(1, 100));

  private Isolation isolation = isolation(BREAKER_ONLY);

  private Isolation isolation(IsolationConfig config) {
    return new Isolation(
        config,
        8,
        "a secret of thirty-two bytes!!!!".getBytes(StandardCharsets.UTF_8),
        now::get,
        Clock.systemUTC(),
        meters);
  }

  private static EdgeRequest request(String method, String path, String account) {
    return new EdgeRequest(
        method,
        path,
        "",
        account.isEmpty()
            ? Map.of("Authorization", List.of("Bearer sk_test_iso"))
            : Map.of(
                "Authorization", List.of("Bearer sk_test_iso"),
                "Stripe-Account", List.of(account)),
        new byte[0]);
  }

  private static final EdgeRequest INVOICES = request("GET", "/v1/invoices", "");
  private static final EdgeRequest CHECKOUT = request("POST", "/v1/payment_intents", "");

  private Isolation.Pass enter(EdgeRequest request) {
    return isolation.enter(request, route(request));
  }

  private static Route route(EdgeRequest request) {
    return StripeRoutes.classify(request.path());
  }

  private void advance(Duration step) {
    now.addAndGet(step.toNanos());
  }

  /** {@code count} attempts of {@code request}, each answered {@code status} after 50 ms. */
  private void answer(EdgeRequest request, int count, Integer status) {
    for (int i = 0; i < count; i++) {
      Isolation.Admitted admitted = (Isolation.Admitted) enter(request);
      admitted.sending();
      advance(Duration.ofMillis(50));
      admitted.done(status, null);
    }
  }

  @Test
  void persistentServerErrorsOpenTheRoutesBreakerWhichAnswersAStripeShaped503() {
    answer(INVOICES, 20, 500);

    Isolation.Pass pass = enter(INVOICES);

    assertThat(pass).isInstanceOf(Isolation.Shed.class);
    var response = ((Isolation.Shed) pass).response();
    assertThat(response.status()).isEqualTo(503);
    assertThat(response.header("retry-after")).isEqualTo("5");
    assertThat(response.header("stripe-edge-refused")).isEqualTo("circuit-open");
    assertThat(new String(response.body(), StandardCharsets.UTF_8))
        .contains("\"type\":\"api_error\"")
        .contains("\"code\":\"circuit-open\"");
    assertThat(byRoute(isolation.breakerStates())).containsEntry("GET /v1/invoices", "OPEN");
    // Another route of the same account is not touched.
    assertThat(enter(CHECKOUT)).isInstanceOf(Isolation.Admitted.class);
  }

  /** Breaker states by route, for keys of one account and no connected account. */
  static Map<String, String> byRoute(Map<String, String> byKey) {
    Map<String, String> states = new java.util.TreeMap<>();
    byKey.forEach((key, state) -> states.put(key.substring(key.indexOf(' ') + 1), state));
    return states;
  }

  @Test
  void aConnectedAccountFailingOpensItsOwnBreakerNotThePlatformsOnTheSameRoute() {
    EdgeRequest sick = request("POST", "/v1/payment_intents", "acct_sick");
    answer(sick, 20, 500);

    assertThat(enter(sick)).isInstanceOf(Isolation.Shed.class);
    assertThat(enter(CHECKOUT)).isInstanceOf(Isolation.Admitted.class);
    assertThat(enter(request("POST", "/v1/payment_intents", "acct_well")))
        .isInstanceOf(Isolation.Admitted.class);
    assertThat(isolation.breakerStates())
        .hasEntrySatisfying(
            isolation.breakerStates().keySet().stream()
                .filter(key -> key.contains("/acct_sick "))
                .findFirst()
                .orElseThrow(),
            state -> assertThat(state).isEqualTo("OPEN"));
    assertThat(
            meters
                .get("edge.isolation.breaker.state")
                .tag("route", "POST /v1/payment_intents")
                .gauge()
                .value())
        .isEqualTo(1.0);
  }

  @Test
  void clientErrorsAndRateLimitsNeverOpenIt() {
    answer(INVOICES, 30, 404);
    answer(INVOICES, 30, 429);

    assertThat(enter(INVOICES)).isInstanceOf(Isolation.Admitted.class);
    assertThat(byRoute(isolation.breakerStates())).containsEntry("GET /v1/invoices", "CLOSED");
  }

  @Test
  void afterOpenForItLetsProbesThroughAndClosesWhenTheySucceed() {
    answer(INVOICES, 20, 503);
    advance(Duration.ofMillis(5001));

    List<Isolation.Pass> probes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      probes.add(enter(INVOICES));
    }

    assertThat(byRoute(isolation.breakerStates())).containsEntry("GET /v1/invoices", "HALF_OPEN");
    assertThat(probes.stream().map(p -> p.getClass().getSimpleName()).toList())
        .containsExactly("Admitted", "Admitted", "Admitted", "Shed");
    assertThat(probes.get(3)).isInstanceOf(Isolation.Shed.class);
    probes.subList(0, 3).forEach(probe -> ((Isolation.Admitted) probe).done(200, null));
    assertThat(byRoute(isolation.breakerStates())).containsEntry("GET /v1/invoices", "CLOSED");
  }

  @Test
  void aFailedProbeOpensItAgain() {
    answer(INVOICES, 20, 503);
    advance(Duration.ofMillis(5001));

    answer(INVOICES, 3, null);

    assertThat(byRoute(isolation.breakerStates())).containsEntry("GET /v1/invoices", "OPEN");
    assertThat(enter(INVOICES)).isInstanceOf(Isolation.Shed.class);
  }

  @Test
  void aFlaggedKeyHoldsOnlyItsShareOfTheAccountsSlotsAndOthersAreNotThrottled() {
    isolation = isolation(IsolationConfig.defaults());
    EdgeRequest locked = request("GET", "/v1/invoices", "acct_locked");
    // One connected account's invoices fail 2 times in 5: flagged for errors (over 0.3), not
    // enough to open its breaker (50 %).
    for (int i = 0; i < 60; i++) {
      answer(locked, 1, i % 5 < 3 ? 200 : 500);
      answer(INVOICES, 1, 200);
    }
    assertThat(isolation.anomalies().current())
        .singleElement()
        .satisfies(flag -> assertThat(flag.key().connected()).isEqualTo("acct_locked"));

    // 8 account slots, share 0.25: two at once.
    Isolation.Pass first = enter(locked);
    Isolation.Pass second = enter(locked);
    Isolation.Pass third = enter(locked);

    assertThat(first).isInstanceOf(Isolation.Admitted.class);
    assertThat(second).isInstanceOf(Isolation.Admitted.class);
    assertThat(third).isInstanceOf(Isolation.Shed.class);
    assertThat(((Isolation.Shed) third).response().header("stripe-edge-refused"))
        .isEqualTo("bulkhead");
    List<Isolation.Pass> others = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      others.add(enter(INVOICES));
    }
    assertThat(others).allMatch(Isolation.Admitted.class::isInstance);
    ((Isolation.Admitted) first).done(200, null);
    assertThat(enter(locked)).isInstanceOf(Isolation.Admitted.class);
    assertThat(
            meters
                .counter("edge.isolation.shed", "route", "GET /v1/invoices", "cause", "bulkhead")
                .count())
        .isEqualTo(1);
  }

  @Test
  void theKeyNamesNoApiKey() {
    IsolationKey key = isolation.keyOf(INVOICES, route(INVOICES));

    assertThat(key.account()).hasSize(12).doesNotContain("sk_test");
    assertThat(key.route()).isEqualTo("GET /v1/invoices");
  }
}
