package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.StripeClient;
import com.stripe.param.CustomerCreateParams;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code /admin/sizing} on a real sidecar in front of stripe-sim. */
class SizingServerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String ADMIN_TOKEN = "sizing-test-admin-token";

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
                .with("listeners.admin.token", ADMIN_TOKEN)
                .with("upstream", sim.baseUrl())
                .with("store.path", dir.resolve("edge.db").toString()));
  }

  @AfterAll
  static void stopEdge() {
    edge.close();
  }

  private HttpResponse<String> send(String method, String path, String key) throws Exception {
    // The operator's endpoints are on the admin listener.
    int port = path.startsWith("/v1/") ? edge.port() : edge.adminPort();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void reportsTheEstimateForMemoryAndNamesTheTiersBelow() throws Exception {
    String key = "sk_test_sizing_report";
    StripeClient stripe =
        StripeClient.builder()
            .setApiKey(key)
            .setApiBase("http://127.0.0.1:" + edge.port())
            .setMaxNetworkRetries(0)
            .build();
    List<String> customers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      customers.add(stripe.v1().customers().create(CustomerCreateParams.builder().build()).getId());
    }
    for (int round = 0; round < 4; round++) {
      for (String customer : customers) {
        assertThat(send("GET", "/v1/customers/" + customer, key).statusCode()).isEqualTo(200);
      }
    }

    HttpResponse<String> response = send("GET", "/admin/sizing", null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode json = new ObjectMapper().readTree(response.body());
    assertThat(json.get("object").asText()).isEqualTo("sizing");
    JsonNode memory = json.get("memory");
    assertThat(memory.get("tier").asText()).isEqualTo("memory");
    assertThat(memory.get("estimated").asBoolean()).isTrue();
    assertThat(memory.get("references").asLong()).isEqualTo(20);
    assertThat(memory.get("sampling_rate").asDouble()).isCloseTo(0.1, within(1e-6));
    assertThat(memory.get("sampled_references").asLong()).isBetween(0L, 20L);
    assertThat(memory.get("max_hit_ratio").asDouble()).isBetween(0.0, 0.75);
    JsonNode targets = memory.get("targets");
    assertThat(targets).hasSize(3);
    assertThat(targets.get(0).get("hit_ratio").asDouble()).isEqualTo(0.90);
    assertThat(targets.get(2).get("hit_ratio").asDouble()).isEqualTo(0.99);
    for (JsonNode target : targets) {
      // Five customers read four times each: 25% of reads are first reads, so none is reachable.
      assertThat(target.get("reachable").asBoolean()).isFalse();
      assertThat(target.get("bytes").isNull()).isTrue();
      assertThat(target.get("reason").asText()).isNotEmpty();
    }
    for (JsonNode point : memory.get("curve")) {
      assertThat(point.get("bytes").asLong()).isPositive();
      assertThat(point.get("hit_ratio").asDouble()).isBetween(0.0, 1.0);
    }
    assertThat(memory.get("max_bytes").asLong()).isEqualTo(64L << 20);
    assertThat(memory.get("measured_hit_ratio").asDouble()).isEqualTo(0.75);
    assertThat(memory.get("predicted_hit_ratio").asDouble()).isBetween(0.0, 0.75);
    // Below memory: the SQLite tier, asked by the five first reads only.
    JsonNode sqlite = json.get("below").get(0);
    assertThat(sqlite.get("tier").asText()).isEqualTo("sqlite");
    assertThat(sqlite.get("estimated").asBoolean()).isTrue();
    assertThat(sqlite.get("references").asLong()).isEqualTo(5);
    assertThat(sqlite.get("max_hit_ratio").asDouble()).isZero();
    assertThat(sqlite.get("max_bytes").asLong()).isEqualTo(256L << 20);
    assertThat(sqlite.get("predicted_hit_ratio").isNumber()).isTrue();
    assertThat(sqlite.get("note").asText()).contains("misses");
    assertThat(send("GET", "/metrics", null).body())
        .contains("stripe_edge_sizing_bytes{hit_ratio=\"0.90\",tier=\"memory\"}")
        .contains("stripe_edge_sizing_predicted_hit_ratio{tier=\"sqlite\"}");
  }

  @Test
  void onlyGetIsAllowed() throws Exception {
    HttpResponse<String> response = send("POST", "/admin/sizing", ADMIN_TOKEN);

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("allow")).hasValue("GET");
    assertThat(response.body()).contains("invalid_request_error");
  }
}
