package dev.stripeedge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stripe's idempotency layer, on a clock that moves only when the test says so. */
class IdempotencyIT {

  @RegisterExtension
  static StripeSimExtension sim =
      StripeSimExtension.withManualClock(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final SimHttp http = new SimHttp(sim.baseUrl());

  @Test
  void repeatReplaysTheFirstResponse() {
    String key = "sk_test_idem_replay";
    HttpResponse<String> first = http.post("/v1/customers", key, "name=A", "Idempotency-Key", "k1");
    HttpResponse<String> second =
        http.post("/v1/customers", key, "name=A", "Idempotency-Key", "k1");

    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(second.headers().firstValue("Original-Request"))
        .isEqualTo(first.headers().firstValue("Request-Id"));
    assertThat(second.headers().firstValue("Request-Id"))
        .isNotEqualTo(first.headers().firstValue("Request-Id"));
    assertThat(second.headers().firstValue("Idempotency-Key")).contains("k1");
  }

  @Test
  void otherParametersUnderTheSameKeyAre400IdempotencyError() {
    String key = "sk_test_idem_mismatch";
    http.post("/v1/customers", key, "name=A", "Idempotency-Key", "k2");
    HttpResponse<String> other = http.post("/v1/customers", key, "name=B", "Idempotency-Key", "k2");

    assertThat(other.statusCode()).isEqualTo(400);
    assertThat(other.body()).contains("\"type\":\"idempotency_error\"");
  }

  @Test
  void parameterOrderDoesNotMatter() {
    String key = "sk_test_idem_order";
    HttpResponse<String> first =
        http.post("/v1/customers", key, "name=A&email=a@x.io", "Idempotency-Key", "k3");
    HttpResponse<String> second =
        http.post("/v1/customers", key, "email=a@x.io&name=A", "Idempotency-Key", "k3");

    assertThat(second.body()).isEqualTo(first.body());
  }

  @Test
  void validationErrorsAreNotStored() {
    String key = "sk_test_idem_invalid";
    HttpResponse<String> invalid =
        http.post("/v1/customers", key, "colour=red", "Idempotency-Key", "k4");
    HttpResponse<String> valid =
        http.post("/v1/customers", key, "name=ok", "Idempotency-Key", "k4");

    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(valid.statusCode()).isEqualTo(200);
    assertThat(valid.headers().firstValue("Idempotent-Replayed")).isEmpty();
  }

  @Test
  void errorsFromExecutionAreStored() {
    String key = "sk_test_idem_404";
    HttpResponse<String> first =
        http.post("/v1/customers/cus_missing", key, "name=x", "Idempotency-Key", "k5");
    HttpResponse<String> second =
        http.post("/v1/customers/cus_missing", key, "name=x", "Idempotency-Key", "k5");

    assertThat(first.statusCode()).isEqualTo(404);
    assertThat(second.statusCode()).isEqualTo(404);
    assertThat(second.headers().firstValue("Idempotent-Replayed")).contains("true");
  }

  @Test
  void keysExpireAfter24HoursOfSimulatedTime() {
    String key = "sk_test_idem_expiry";
    HttpResponse<String> first = http.post("/v1/customers", key, "name=A", "Idempotency-Key", "k6");
    sim.sim().advanceClock(Duration.ofHours(24));
    HttpResponse<String> later = http.post("/v1/customers", key, "name=A", "Idempotency-Key", "k6");

    assertThat(later.statusCode()).isEqualTo(200);
    assertThat(later.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(later.body()).isNotEqualTo(first.body());
  }

  @Test
  void eventsAreKeptThirtyDaysOfSimulatedTime() {
    String key = "sk_test_event_retention";
    http.post("/v1/customers", key, "name=A");
    String eventId =
        http.get("/v1/events", key).body().replaceAll("(?s).*?\"id\":\"(evt_[^\"]+)\".*", "$1");

    sim.sim().advanceClock(Duration.ofDays(29));
    assertThat(http.get("/v1/events/" + eventId, key).statusCode()).isEqualTo(200);
    sim.sim().advanceClock(Duration.ofDays(2));

    assertThat(http.get("/v1/events/" + eventId, key).statusCode()).isEqualTo(404);
    assertThat(http.get("/v1/events", key).body()).doesNotContain(eventId);
  }

  @Test
  void keysLongerThan255CharactersAre400() {
    HttpResponse<String> response =
        http.post(
            "/v1/customers", "sk_test_idem_long", "name=A", "Idempotency-Key", "k".repeat(256));

    assertThat(response.statusCode()).isEqualTo(400);
  }

  @Test
  void aKeyInFlightIs409() throws Exception {
    try (StripeSim slow =
        StripeSim.start(
            SimConfig.forTests()
                .withLimits(SimConfig.Limits.off())
                .withLatency(new SimConfig.Latency(true, 0, 0, 1000, 0, 1)))) {
      SimHttp slowHttp = new SimHttp(slow.baseUrl());
      CompletableFuture<HttpResponse<String>> first =
          CompletableFuture.supplyAsync(
              () ->
                  slowHttp.post(
                      "/v1/customers", "sk_test_inflight", "name=A", "Idempotency-Key", "k7"));
      Thread.sleep(300);
      HttpResponse<String> second =
          slowHttp.post("/v1/customers", "sk_test_inflight", "name=A", "Idempotency-Key", "k7");

      assertThat(second.statusCode()).isEqualTo(409);
      assertThat(second.body()).contains("idempotency_key_in_use");
      assertThat(first.get().statusCode()).isEqualTo(200);
    }
  }
}
