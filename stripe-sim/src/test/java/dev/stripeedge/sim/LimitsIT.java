package dev.stripeedge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stripe's rate limits on a clock that stands still, so bucket refills are exact. */
class LimitsIT {

  @RegisterExtension
  static StripeSimExtension sim = StripeSimExtension.withManualClock(SimConfig.forTests());

  private final SimHttp http = new SimHttp(sim.baseUrl());

  @Test
  void testModeAllows25RequestsPerSecondThen429GlobalRate() {
    String key = "sk_test_limits_global";
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 26; i++) {
      statuses.add(http.get(i % 2 == 0 ? "/v1/customers" : "/v1/events", key).statusCode());
    }

    assertThat(statuses.subList(0, 25)).containsOnly(200);
    HttpResponse<String> limited = http.get("/v1/customers", key);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Stripe-Rate-Limited-Reason")).contains("global-rate");
    assertThat(limited.headers().firstValue("Stripe-Should-Retry")).isEmpty();
    assertThat(limited.headers().firstValue("Retry-After")).isEmpty();
    assertThat(limited.body()).contains("\"code\":\"rate_limit\"");
  }

  @Test
  void budgetRefillsAsTheClockAdvances() {
    String key = "sk_test_limits_refill";
    for (int i = 0; i < 25; i++) {
      http.get("/v1/events", key);
    }
    assertThat(http.get("/v1/events", key).statusCode()).isEqualTo(429);

    sim.sim().advanceClock(Duration.ofMillis(200));

    assertThat(http.get("/v1/events", key).statusCode()).isEqualTo(200);
  }

  @Test
  void perEndpointLimitApplies() {
    sim.sim().reconfigure(c -> c.withLimits(new SimConfig.Limits(true, 100, 5, 20, 100, 1000, 0)));
    try {
      String key = "sk_test_limits_endpoint";
      for (int i = 0; i < 5; i++) {
        assertThat(http.get("/v1/customers", key).statusCode()).isEqualTo(200);
      }
      HttpResponse<String> limited = http.get("/v1/customers", key);
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.headers().firstValue("Stripe-Rate-Limited-Reason"))
          .contains("endpoint-rate");
      assertThat(http.get("/v1/events", key).statusCode()).isEqualTo(200);
    } finally {
      sim.sim().reconfigure(c -> c.withLimits(SimConfig.Limits.stripe()));
    }
  }

  @Test
  void rateLimitedRequestsAreNotStoredUnderTheirIdempotencyKey() {
    String key = "sk_test_limits_idem";
    for (int i = 0; i < 25; i++) {
      http.get("/v1/events", key);
    }
    HttpResponse<String> limited =
        http.post("/v1/customers", key, "name=A", "Idempotency-Key", "rl-1");
    sim.sim().advanceClock(Duration.ofSeconds(1));
    HttpResponse<String> retried =
        http.post("/v1/customers", key, "name=A", "Idempotency-Key", "rl-1");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(retried.statusCode()).isEqualTo(200);
    assertThat(retried.headers().firstValue("Idempotent-Replayed")).isEmpty();
  }

  @Test
  void accountsHaveSeparateBudgets() {
    for (int i = 0; i < 25; i++) {
      http.get("/v1/events", "sk_test_limits_a");
    }
    assertThat(http.get("/v1/events", "sk_test_limits_a").statusCode()).isEqualTo(429);
    assertThat(http.get("/v1/events", "sk_test_limits_b").statusCode()).isEqualTo(200);
  }

  @Test
  void concurrentWritesToOneObjectGetLockTimeout() throws Exception {
    try (StripeSim slow =
        StripeSim.start(
            SimConfig.forTests().withLatency(new SimConfig.Latency(true, 0, 0, 1000, 0, 1)))) {
      SimHttp slowHttp = new SimHttp(slow.baseUrl());
      String key = "sk_test_locks";
      String id =
          slowHttp
              .post("/v1/customers", key, "name=A")
              .body()
              .replaceAll(".*\"id\":\"(cus_[^\"]+)\".*", "$1");
      CompletableFuture<HttpResponse<String>> first =
          CompletableFuture.supplyAsync(() -> slowHttp.post("/v1/customers/" + id, key, "name=B"));
      Thread.sleep(300);
      HttpResponse<String> second = slowHttp.post("/v1/customers/" + id, key, "name=C");

      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(second.body()).contains("\"code\":\"lock_timeout\"");
      assertThat(second.headers().firstValue("Stripe-Should-Retry")).contains("true");
      assertThat(second.headers().firstValue("Request-Id")).isEmpty();
      assertThat(second.headers().firstValue("Stripe-Rate-Limited-Reason")).isEmpty();
      assertThat(first.get().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void paymentIntentUpdatesAreLimitedPerHourPerObject() {
    sim.sim().reconfigure(c -> c.withLimits(new SimConfig.Limits(true, 1000, 1000, 20, 100, 3, 0)));
    try {
      String key = "sk_test_limits_pi_updates";
      String pi =
          http.post(
                  "/v1/payment_intents", key, "amount=500&currency=usd&payment_method_types[]=card")
              .body()
              .replaceAll("(?s)^\\{\"id\":\"(pi_[^\"]+)\".*", "$1");
      for (int i = 0; i < 3; i++) {
        assertThat(http.post("/v1/payment_intents/" + pi, key, "metadata[n]=" + i).statusCode())
            .isEqualTo(200);
      }
      HttpResponse<String> limited = http.post("/v1/payment_intents/" + pi, key, "metadata[n]=x");
      String other =
          http.post(
                  "/v1/payment_intents", key, "amount=500&currency=usd&payment_method_types[]=card")
              .body()
              .replaceAll("(?s)^\\{\"id\":\"(pi_[^\"]+)\".*", "$1");

      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.headers().firstValue("Stripe-Rate-Limited-Reason"))
          .contains("resource-specific");
      assertThat(http.post("/v1/payment_intents/" + other, key, "metadata[n]=1").statusCode())
          .isEqualTo(200);
      sim.sim().advanceClock(Duration.ofHours(1));
      assertThat(http.post("/v1/payment_intents/" + pi, key, "metadata[n]=y").statusCode())
          .isEqualTo(200);
    } finally {
      sim.sim().reconfigure(c -> c.withLimits(SimConfig.Limits.stripe()));
    }
  }

  @Test
  void requestsBeyondTheConcurrencyLimitAre429GlobalConcurrency() throws Exception {
    try (StripeSim slow =
        StripeSim.start(
            SimConfig.forTests()
                .withLimits(new SimConfig.Limits(true, 100, 100, 20, 1, 1000, 0))
                .withLatency(new SimConfig.Latency(true, 1000, 1000, 1000, 1000, 1)))) {
      SimHttp slowHttp = new SimHttp(slow.baseUrl());
      CompletableFuture<HttpResponse<String>> first =
          CompletableFuture.supplyAsync(() -> slowHttp.get("/v1/customers", "sk_test_concurrency"));
      Thread.sleep(300);
      HttpResponse<String> second = slowHttp.get("/v1/events", "sk_test_concurrency");

      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(second.headers().firstValue("Stripe-Rate-Limited-Reason"))
          .contains("global-concurrency");
      assertThat(first.get().statusCode()).isEqualTo(200);
    }
  }
}
