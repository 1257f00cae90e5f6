package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.StripeClient;
import com.stripe.model.Customer;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerUpdateParams;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** stripe-java → the sidecar → stripe-sim, over real HTTP on loopback. */
class EdgeServerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @TempDir static Path dir;

  private static EdgeServer edge;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startEdge() {
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("store.path", dir.resolve("edge.db").toString()));
  }

  @AfterAll
  static void stopEdge() {
    edge.close();
  }

  private static String edgeUrl() {
    return "http://127.0.0.1:" + edge.port();
  }

  private static StripeClient stripe(String key) {
    return StripeClient.builder()
        .setApiKey(key)
        .setApiBase(edgeUrl())
        .setMaxNetworkRetries(0)
        .build();
  }

  private HttpResponse<String> get(String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(edgeUrl() + path));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private long simCount(String outcome) {
    return sim.sim().counters().getOrDefault(outcome, 0L);
  }

  @Test
  void secondRetrieveIsAHitWithoutAnUpstreamCall() throws Exception {
    String key = "sk_test_edge_hit";
    Customer customer =
        stripe(key).v1().customers().create(CustomerCreateParams.builder().setName("A").build());
    long before = simCount("GET /v1/customers/{id} 200");

    HttpResponse<String> first = get("/v1/customers/" + customer.getId(), key);
    HttpResponse<String> second = get("/v1/customers/" + customer.getId(), key);

    assertThat(simCount("GET /v1/customers/{id} 200") - before).isEqualTo(1);
    assertThat(first.headers().firstValue("Cache-Status")).get().asString().contains("fwd=miss");
    assertThat(second.headers().firstValue("Cache-Status")).get().asString().contains("hit");
    assertThat(second.headers().firstValue("Server-Timing")).isPresent();
    assertThat(second.body()).isEqualTo(first.body());
  }

  @Test
  void stripeJavaReadsAreCachedDespiteItsNoCacheHeader() throws Exception {
    StripeClient stripe = stripe("sk_test_edge_sdk_hit");
    Customer customer = stripe.v1().customers().create(CustomerCreateParams.builder().build());
    long before = simCount("GET /v1/customers/{id} 200");

    stripe.v1().customers().retrieve(customer.getId());
    Customer second = stripe.v1().customers().retrieve(customer.getId());

    assertThat(simCount("GET /v1/customers/{id} 200") - before).isEqualTo(1);
    assertThat(second.getLastResponse().headers().firstValue("Cache-Status"))
        .get()
        .asString()
        .contains("hit");
  }

  @Test
  void aWriteThroughTheEdgeIsVisibleToTheNextRead() throws Exception {
    StripeClient stripe = stripe("sk_test_edge_write");
    Customer customer =
        stripe.v1().customers().create(CustomerCreateParams.builder().setName("Old").build());
    stripe.v1().customers().retrieve(customer.getId());

    stripe
        .v1()
        .customers()
        .update(customer.getId(), CustomerUpdateParams.builder().setName("New").build());

    assertThat(stripe.v1().customers().retrieve(customer.getId()).getName()).isEqualTo("New");
  }

  @Test
  void postsGetAnIdempotencyKeyTheClientCanSee() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(edgeUrl() + "/v1/customers"))
                .header("Authorization", "Bearer sk_test_edge_idem")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Idempotency-Key")).isPresent();
  }

  @Test
  void stripeErrorsPassThroughUnchanged() throws Exception {
    HttpResponse<String> response = get("/v1/customers/cus_missing", "sk_test_edge_404");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).contains("\"code\":\"resource_missing\"");
    assertThat(response.headers().firstValue("Request-Id")).get().asString().startsWith("req_");
  }

  @Test
  void healthReadinessAndMetricsAnswer() throws Exception {
    String key = "sk_test_edge_metrics";
    Customer customer = stripe(key).v1().customers().create(CustomerCreateParams.builder().build());
    get("/v1/customers/" + customer.getId(), key);
    System.gc(); // the cache-bytes gauge must survive a collection

    assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
    assertThat(get("/readyz", null).statusCode()).isEqualTo(200);
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.adminPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("stripe_edge_requests_seconds_count{cache=\"miss\",method=\"GET\"")
        .containsPattern("(?m)^stripe_edge_cache_bytes [1-9][0-9.E]*$");
  }

  @Test
  void pathsOutsideTheApiAreStripeShaped404s() throws Exception {
    HttpResponse<String> response = get("/admin/secret", null);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).startsWith("{\"error\":{").contains("invalid_request_error");
  }

  @Test
  void oversizedBodiesAreRefusedWith413() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(edgeUrl() + "/v1/customers"))
                .header("Authorization", "Bearer sk_test_edge_big")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("description=" + "x".repeat(1_200_000)))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("invalid_request_error");
  }
}
