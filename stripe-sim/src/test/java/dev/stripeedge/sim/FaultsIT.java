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
