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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /admin/drift}: the drift audit run on demand against the simulator, deliveries dropped.
 */
class DriftServerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(
          SimConfig.forTests()
              .withLimits(SimConfig.Limits.off())
              .withWebhooks(new SimConfig.Webhooks(0, 1000, 8, 10_000, 1.0, 0, 0, 500)));

  private static final String ADMIN_TOKEN = "drift-test-admin-token";
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private EdgeServer edge;

  @AfterEach
  void stop() {
    if (edge != null) {
      edge.close();
    }
  }

  private HttpResponse<String> send(
      String base, String method, String path, String key, String form) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .method(method, HttpRequest.BodyPublishers.ofString(form));
    if (!key.isEmpty()) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private EdgeServer start(String reconcileKey) {
    return EdgeServer.start(
        EdgeSettings.defaults()
            .with("port", 0)
            .with("listeners.admin.port", 0)
            .with("listeners.admin.token", ADMIN_TOKEN)
            .with("upstream", sim.baseUrl())
            .with("reconcile.period", java.time.Duration.ofSeconds(3600))
            .with("reconcile.apiKey", reconcileKey)
            .with("reconcile.maxPagesPerPass", 10)
            .with("reconcile.driftAuditEvery", java.time.Duration.ofSeconds(3600))
            .with("reconcile.driftSample", 20)
            .with("store.path", dir.resolve("edge.db").toString()));
  }

  private static String id(String body) {
    Matcher matcher = ID.matcher(body);
    assertThat(matcher.find()).as(body).isTrue();
    return matcher.group(1);
  }

  @Test
  void anAuditRunOnDemandReportsAndRepairsTheDrift() throws Exception {
    String key = "sk_test_drift_server";
    edge = start(key);
    String base = "http://127.0.0.1:" + edge.port();
    String admin = "http://127.0.0.1:" + edge.adminPort();
    JsonNode before = JSON.readTree(send(admin, "GET", "/admin/drift", "", "").body());
    assertThat(before.get("object").asText()).isEqualTo("drift_report");
    assertThat(before.get("ran_at").isNull()).as("no audit yet").isTrue();
    String changed = id(send(base, "POST", "/v1/customers", key, "name=ChangedBefore").body());
    String kept = id(send(base, "POST", "/v1/customers", key, "name=KeptBefore").body());
    for (String customer : List.of(changed, kept)) {
      send(base, "GET", "/v1/customers/" + customer, key, "");
    }
    send(sim.baseUrl(), "POST", "/_sim/objects/" + changed, key, "name=ChangedAfter");
    assertThat(send(base, "GET", "/v1/customers/" + changed, key, "").body())
        .as("no webhook arrived: still the cached copy")
        .contains("ChangedBefore");

    HttpResponse<String> run = send(admin, "POST", "/admin/drift/run", ADMIN_TOKEN, "");

    assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
    JsonNode report = JSON.readTree(run.body());
    assertThat(report.get("sampled").asInt()).isEqualTo(2);
    assertThat(report.get("checked").asInt()).isEqualTo(2);
    assertThat(report.get("drifted").asInt()).isEqualTo(1);
    assertThat(report.get("drift_rate").asDouble()).isEqualTo(0.5);
    assertThat(report.get("drifted_ids").get(0).asText()).isEqualTo(changed);
    assertThat(report.get("ran_at").asText()).isNotEmpty();
    assertThat(JSON.readTree(send(admin, "GET", "/admin/drift", "", "").body()))
        .as("the last report")
        .isEqualTo(report);
    assertThat(send(base, "GET", "/v1/customers/" + changed, key, "").body())
        .contains("ChangedAfter");
    assertThat(send(admin, "GET", "/metrics", "", "").body())
        .contains("stripe_edge_drift_drifted_total 1.0")
        .contains("stripe_edge_drift_rate 0.5");
  }

  @Test
  void wrongMethodsAreRefused() throws Exception {
    edge = start("sk_test_drift_methods");
    String admin = "http://127.0.0.1:" + edge.adminPort();

    HttpResponse<String> get = send(admin, "GET", "/admin/drift/run", "", "");
    HttpResponse<String> post = send(admin, "POST", "/admin/drift", ADMIN_TOKEN, "");

    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void withoutAReconciliationKeyTheAuditIsOff() throws Exception {
    edge = start("");
    String admin = "http://127.0.0.1:" + edge.adminPort();

    HttpResponse<String> report = send(admin, "GET", "/admin/drift", "", "");
    HttpResponse<String> run = send(admin, "POST", "/admin/drift/run", ADMIN_TOKEN, "");

    assertThat(report.statusCode()).isEqualTo(404);
    assertThat(report.body()).contains("drift_audit_off");
    assertThat(run.statusCode()).isEqualTo(404);
  }
}
