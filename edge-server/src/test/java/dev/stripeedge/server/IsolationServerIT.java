package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Isolation through a real sidecar, against the simulator's fault controls: invoice listing fails
 * every time; its breaker opens, customers are untouched, {@code /admin/anomalies} shows both.
 */
class IsolationServerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(
          SimConfig.forTests()
              .withLimits(SimConfig.Limits.off())
              .withFaults(
                  List.of(
                      new SimConfig.FaultRule(
                          SimConfig.FaultKind.ERROR_500, 1.0, "GET /v1/invoices", null))));

  private static final String ADMIN_TOKEN = "isolation-test-admin-token";
  private static final String KEY = "sk_test_isolation_server";

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

  private HttpResponse<String> send(String path, String key) throws Exception {
    int port = path.startsWith("/v1/") ? edge.port() : edge.adminPort();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + key)
            .GET()
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aFailingRouteOpensItsBreakerAloneAndTheAdminApiShowsIt() throws Exception {
    List<HttpResponse<String>> invoices = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      invoices.add(send("/v1/invoices?limit=3", KEY));
    }

    assertThat(invoices.get(0).statusCode()).isEqualTo(500);
    HttpResponse<String> last = invoices.get(invoices.size() - 1);
    assertThat(last.statusCode()).isEqualTo(503);
    assertThat(last.headers().firstValue("retry-after")).hasValue("5");
    assertThat(last.headers().firstValue("stripe-edge-refused")).hasValue("circuit-open");
    assertThat(last.body()).contains("\"type\":\"api_error\"");
    // Another route of the same account goes on.
    assertThat(send("/v1/customers?limit=3", KEY).statusCode()).isEqualTo(200);

    HttpResponse<String> report = send("/admin/anomalies", ADMIN_TOKEN);

    assertThat(report.statusCode()).isEqualTo(200);
    JsonNode json = new ObjectMapper().readTree(report.body());
    assertThat(json.get("enabled").asBoolean()).isTrue();
    // Breakers by key: the account's hash, then the route.
    Map<String, String> breakers = new TreeMap<>();
    json.get("breakers")
        .properties()
        .forEach(
            entry ->
                breakers.put(
                    entry.getKey().substring(entry.getKey().indexOf(' ') + 1),
                    entry.getValue().asText()));
    assertThat(breakers)
        .containsEntry("GET /v1/invoices", "OPEN")
        .containsEntry("GET /v1/customers", "CLOSED");
    assertThat(json.get("current"))
        .anySatisfy(
            flag -> {
              assertThat(flag.get("route").asText()).isEqualTo("GET /v1/invoices");
              assertThat(flag.get("reason").asText()).isEqualTo("errors");
              assertThat(flag.get("account").asText()).doesNotContain("sk_test");
              assertThat(flag.get("figures").get("errorRatio").asDouble()).isGreaterThan(0.9);
            });
  }
}
