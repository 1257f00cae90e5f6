package dev.stripeedge.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.sim.SimConfig.FaultKind;
import dev.stripeedge.sim.SimConfig.FaultRule;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Injected faults, scripted for the next N requests so each test is exact. */
class FaultsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final SimHttp http = new SimHttp(sim.baseUrl());

  private static void next(FaultKind kind, String endpoint) {
    sim.sim().reconfigure(c -> c.withFaults(List.of(new FaultRule(kind, 1.0, endpoint, 1))));
  }

  @AfterEach
  void clearFaults() {
    sim.sim().reconfigure(c -> c.withFaults(List.of()));
  }

  @Test
  void scripted500IsStoredForItsIdempotencyKey() {
    next(FaultKind.ERROR_500, "POST /v1/customers");
    HttpResponse<String> failed =
        http.post("/v1/customers", "sk_test_faults_500", "name=A", "Idempotency-Key", "f1");
    HttpResponse<String> retried =
        http.post("/v1/customers", "sk_test_faults_500", "name=A", "Idempotency-Key", "f1");
    HttpResponse<String> fresh =
        http.post("/v1/customers", "sk_test_faults_500", "name=A", "Idempotency-Key", "f2");

    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(failed.body()).contains("\"type\":\"api_error\"");
    assertThat(retried.statusCode()).isEqualTo(500);
    assertThat(retried.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(fresh.statusCode()).isEqualTo(200);
  }

  @Test
  void faultsOnlyHitTheirEndpoint() {
    next(FaultKind.ERROR_503, "POST /v1/customers");

    assertThat(http.get("/v1/customers", "sk_test_faults_scope").statusCode()).isEqualTo(200);
    assertThat(http.post("/v1/customers", "sk_test_faults_scope", "").statusCode()).isEqualTo(503);
    assertThat(http.post("/v1/customers", "sk_test_faults_scope", "").statusCode()).isEqualTo(200);
  }

  @Test
  void aFaultScopedToOneConnectedAccountLeavesThePlatformAndOtherAccountsAlone() {
    String key = "sk_test_faults_account";
    String sick = SimHttp.ok(http.post("/v1/accounts", key, "type=express")).path("id").asText();
    String healthy = SimHttp.ok(http.post("/v1/accounts", key, "type=express")).path("id").asText();
    sim.sim()
        .reconfigure(
            c ->
                c.withFaults(
                    List.of(new FaultRule(FaultKind.ERROR_500, 1.0, null, null).forAccount(sick))));

    assertThat(http.send(http.request("/v1/customers", key).header("Stripe-Account", sick).build()))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(500);
    assertThat(
            http.send(http.request("/v1/customers", key).header("Stripe-Account", healthy).build()))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(200);
    assertThat(http.get("/v1/customers", key).statusCode()).isEqualTo(200);
  }

  @Test
  void aDelayedEndpointAnswersAsUsualOnlyLater() {
    sim.sim().reconfigure(c -> c.withFaults(List.of(FaultRule.delay("GET /v1/invoices", 400))));

    long started = System.nanoTime();
    HttpResponse<String> slow = http.get("/v1/invoices", "sk_test_faults_delay");
    long tookMillis = (System.nanoTime() - started) / 1_000_000;

    assertThat(slow.statusCode()).isEqualTo(200);
    assertThat(SimHttp.ok(slow).path("object").asText()).isEqualTo("list");
    // A lower bound only: a loaded machine may add time, never take the delay away.
    assertThat(tookMillis).isGreaterThanOrEqualTo(400);
    assertThat(http.get("/v1/customers", "sk_test_faults_delay").statusCode()).isEqualTo(200);
  }

  @Test
  void theControlApiTakesAccountScopedAndDelayRules() {
    HttpResponse<String> patched =
        http.postJson(
            "/_sim/config",
            "{\"faults\":[{\"kind\":\"DELAY\",\"rate\":1,\"endpoint\":\"GET /v1/invoices\","
                + "\"delayMs\":300},{\"kind\":\"ERROR_500\",\"rate\":0.5,\"account\":\"acct_x\"}]}");

    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
    assertThat(sim.sim().config().faults())
        .containsExactly(
            FaultRule.delay("GET /v1/invoices", 300),
            new FaultRule(FaultKind.ERROR_500, 0.5, null, null).forAccount("acct_x"));
    HttpResponse<String> refused =
        http.postJson("/_sim/config", "{\"faults\":[{\"kind\":\"DELAY\",\"rate\":1}]}");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("delayMs");
  }

  @Test
  void aDelayNeedsAPositiveDurationAndOnlyADelayHasOne() {
    assertThatThrownBy(() -> new FaultRule(FaultKind.DELAY, 1.0, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FaultRule(FaultKind.ERROR_500, 1.0, null, null, null, 100))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resetClosesTheConnectionWithoutAnAnswer() {
    next(FaultKind.RESET, null);

    // A POST: the JDK client silently retries an idempotent GET once on a closed connection.
    assertThatThrownBy(() -> http.post("/v1/customers", "sk_test_faults_reset", "name=x"))
        .isInstanceOf(UncheckedIOException.class);
    assertThat(http.get("/v1/customers", "sk_test_faults_reset").statusCode()).isEqualTo(200);
  }

  @Test
  void hangNeverAnswers() {
    next(FaultKind.HANG, null);

    assertThatThrownBy(
            () ->
                http.send(
                    http.request("/v1/customers", "sk_test_faults_hang")
                        .timeout(Duration.ofMillis(500))
                        .GET()
                        .build()))
        .hasCauseInstanceOf(HttpTimeoutException.class);
  }

  @Test
  void slowBodyStillArrivesWhole() {
    next(FaultKind.SLOW_BODY, null);

    HttpResponse<String> response = http.get("/v1/customers", "sk_test_faults_slow");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).startsWith("{\"object\":\"list\"").endsWith("}");
  }

  @Test
  void controlApiTakesFaultsAsAJsonPatch() {
    HttpResponse<String> configured =
        http.postJson(
            "/_sim/config",
            "{\"faults\":[{\"kind\":\"ERROR_500\",\"rate\":1.0,\"endpoint\":\"/v1/events\",\"remaining\":1}]}");

    assertThat(configured.statusCode()).isEqualTo(200);
    assertThat(http.get("/v1/events", "sk_test_faults_control").statusCode()).isEqualTo(500);
    assertThat(http.get("/v1/events", "sk_test_faults_control").statusCode()).isEqualTo(200);
    assertThat(http.postJson("/_sim/config", "{\"limits\":{\"concurrency\":-1}}").statusCode())
        .isEqualTo(400);
    assertThat(http.postJson("/_sim/config", "{nope").statusCode()).isEqualTo(400);
  }
}
