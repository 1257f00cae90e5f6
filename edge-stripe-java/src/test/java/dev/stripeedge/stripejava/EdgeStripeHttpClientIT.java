package dev.stripeedge.stripejava;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.ApiException;
import com.stripe.exception.CardException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Customer;
import com.stripe.net.StripeRequestsForTests;
import com.stripe.net.StripeResponse;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerUpdateParams;
import com.stripe.param.PaymentIntentCreateParams;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.RetryConfig;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimConfig.FaultKind;
import dev.stripeedge.sim.SimConfig.FaultRule;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** stripe-java → adapter → pipeline → the real simulator over HTTP. */
class EdgeStripeHttpClientIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Scheduler NOW = delay -> CompletableFuture.completedFuture(null);
  // One seed per pipeline: two pipelines drawing the same idempotency keys would collide.
  private static final AtomicLong SEEDS = new AtomicLong(1000);

  private final EdgePipeline pipeline = pipeline(URI.create(sim.baseUrl()));

  @AfterEach
  void clearFaults() {
    sim.sim().reconfigure(c -> c.withFaults(List.of()));
  }

  private static EdgePipeline pipeline(URI upstream) {
    return EdgePipeline.builder(Upstream.jdk(upstream, Duration.ofSeconds(2)))
        .random(new SplittableRandom(SEEDS.incrementAndGet()))
        .scheduler(NOW)
        .build();
  }

  private StripeClient client(String apiKey) {
    return EdgeStripe.client(apiKey, pipeline);
  }

  private static Customer create(StripeClient client, String name) throws Exception {
    return client.v1().customers().create(CustomerCreateParams.builder().setName(name).build());
  }

  private static long simCalls(String endpoint) {
    return sim.sim().counters().entrySet().stream()
        .filter(e -> e.getKey().startsWith(endpoint + " "))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static String header(StripeResponse response, String name) {
    return response.headers().firstValue(name).orElse("<none>");
  }

  @Test
  void retrieveTwiceMakesOneUpstreamCallAndTheSecondIsAHit() throws Exception {
    StripeClient client = client("sk_test_sj_hit");
    String id = create(client, "Ada").getId();
    long before = sim.sim().counters().getOrDefault("GET /v1/customers/{id} 200", 0L);

    Customer miss = client.v1().customers().retrieve(id);
    Customer hit = client.v1().customers().retrieve(id);

    assertThat(sim.sim().counters().get("GET /v1/customers/{id} 200") - before).isEqualTo(1);
    assertThat(header(miss.getLastResponse(), "Cache-Status")).startsWith("stripe-edge; fwd=miss");
    assertThat(header(hit.getLastResponse(), "Cache-Status")).isEqualTo("stripe-edge; hit");
    assertThat(hit.getName()).isEqualTo("Ada");
    assertThat(hit.getLastResponse().requestId()).isEqualTo(miss.getLastResponse().requestId());
  }

  @Test
  void anUpdateThroughTheAdapterInvalidates() throws Exception {
    StripeClient client = client("sk_test_sj_update");
    String id = create(client, "Old").getId();
    client.v1().customers().retrieve(id);

    client.v1().customers().update(id, CustomerUpdateParams.builder().setName("New").build());
    Customer after = client.v1().customers().retrieve(id);

    assertThat(after.getName()).isEqualTo("New");
    assertThat(header(after.getLastResponse(), "Cache-Status")).startsWith("stripe-edge; fwd=miss");
  }

  @Test
  void aMissingObjectIsInvalidRequestExceptionWithResourceMissing() {
    StripeClient client = client("sk_test_sj_missing");

    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> client.v1().customers().retrieve("cus_doesnotexist"));

    assertThat(e.getStatusCode()).isEqualTo(404);
    assertThat(e.getCode()).isEqualTo("resource_missing");
    assertThat(e.getRequestId()).startsWith("req_");
  }

  @Test
  void aDeclineIsCardException() {
    StripeClient client = client("sk_test_sj_decline");
    PaymentIntentCreateParams params =
        PaymentIntentCreateParams.builder()
            .setAmount(2000L)
            .setCurrency("usd")
            .addPaymentMethodType("card")
            .setPaymentMethod("pm_card_chargeDeclinedInsufficientFunds")
            .setConfirm(true)
            .build();

    CardException e =
        catchThrowableOfType(
            CardException.class, () -> client.v1().paymentIntents().create(params));

    assertThat(e.getStatusCode()).isEqualTo(402);
    assertThat(e.getCode()).isEqualTo("card_declined");
    assertThat(e.getDeclineCode()).isEqualTo("insufficient_funds");
  }

  @Test
  void theSdksIdempotencyKeyGoesUpUnchanged() throws Exception {
    Customer customer = create(client("sk_test_sj_sdkkey"), "Key");

    // stripe-java puts a UUID on every POST; the edge must keep it, not replace it.
    assertThat(header(customer.getLastResponse(), "Idempotency-Key"))
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  }

  @Test
  void aPostWithoutAnIdempotencyKeyGetsOneFromTheEdge() throws Exception {
    EdgeStripeHttpClient adapter = new EdgeStripeHttpClient(pipeline);

    StripeResponse response =
        adapter.requestWithRetries(
            StripeRequestsForTests.post(
                "https://api.stripe.com/v1/customers",
                "name=Keyless",
                Map.of("Authorization", List.of("Bearer sk_test_sj_keyless"))));

    assertThat(response.code()).isEqualTo(200);
    assertThat(response.body()).contains("Keyless");
    assertThat(header(response, "Idempotency-Key")).isNotEqualTo("<none>").isNotBlank();
  }

  @Test
  void aScripted503IsRetriedByThePipelineAndTheAppSeesOneSuccess() throws Exception {
    StripeClient client = client("sk_test_sj_503");
    long before = simCalls("POST /v1/customers");
    sim.sim()
        .reconfigure(
            c ->
                c.withFaults(
                    List.of(new FaultRule(FaultKind.ERROR_503, 1.0, "POST /v1/customers", 1))));

    Customer customer = create(client, "Retried");

    assertThat(customer.getName()).isEqualTo("Retried");
    assertThat(simCalls("POST /v1/customers") - before).isEqualTo(2);
    assertThat(header(customer.getLastResponse(), "Server-Timing")).contains("retries;desc=\"1\"");
  }

  @Test
  void theSdksRetrySettingAddsNoAttempts() {
    // The pipeline makes at most 3 attempts; an SDK retrying too would make up to 3 × 6.
    StripeClient client =
        EdgeStripe.clientBuilder(pipeline)
            .setApiKey("sk_test_sj_oneowner")
            .setMaxNetworkRetries(5)
            .build();
    long before = simCalls("POST /v1/customers");
    sim.sim()
        .reconfigure(
            c ->
                c.withFaults(
                    List.of(new FaultRule(FaultKind.ERROR_503, 1.0, "POST /v1/customers", 10))));

    ApiException e = catchThrowableOfType(ApiException.class, () -> create(client, "Never"));

    assertThat(e.getStatusCode()).isEqualTo(503);
    assertThat(simCalls("POST /v1/customers") - before)
        .isEqualTo(RetryConfig.defaults().maxAttempts());
  }

  @Test
  void twoApiKeysOnOnePipelineNeverShareAnEntry() throws Exception {
    // A secret and a restricted key of one account see the same objects at the simulator; the
    // restricted one must still not be served the secret key's cached entry.
    StripeClient secret = client("sk_test_sj_shared");
    StripeClient restricted = client("rk_test_sj_shared");
    String id = create(secret, "Shared").getId();
    secret.v1().customers().retrieve(id);
    long before = simCalls("GET /v1/customers/{id}");

    Customer seen = restricted.v1().customers().retrieve(id);

    assertThat(seen.getName()).isEqualTo("Shared");
    assertThat(header(seen.getLastResponse(), "Cache-Status")).startsWith("stripe-edge; fwd=miss");
    assertThat(simCalls("GET /v1/customers/{id}") - before).isEqualTo(1);
  }

  @Test
  @Timeout(10)
  void anUnreachableUpstreamIsApiConnectionException() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    EdgePipeline nowhere = pipeline(URI.create("http://127.0.0.1:" + closedPort));
    StripeClient client = EdgeStripe.client("sk_test_sj_nowhere", nowhere);

    assertThatThrownBy(() -> client.v1().customers().retrieve("cus_123"))
        .isInstanceOf(ApiConnectionException.class)
        .hasMessageContaining("could not reach");
  }
}
