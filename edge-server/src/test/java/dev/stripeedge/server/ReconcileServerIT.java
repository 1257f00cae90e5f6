package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Every delivery dropped: the reconciler alone keeps the edge's cache fresh. */
class ReconcileServerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(
          SimConfig.forTests()
              .withLimits(SimConfig.Limits.off())
              .withWebhooks(new SimConfig.Webhooks(0, 1000, 8, 10_000, 1.0, 0, 0, 500)));

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern SECRET = Pattern.compile("\"secret\"\\s*:\\s*\"([^\"]+)\"");

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
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .method(method, HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String group(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    assertThat(matcher.find()).as("%s in %s", pattern, text).isTrue();
    return matcher.group(1);
  }

  @Test
  void onePassRepairsOutOfBandChangesWhoseWebhooksWereAllDropped() throws Exception {
    String key = "sk_test_reconcile_e2e";
    String endpoint =
        send(
                sim.baseUrl(),
                "POST",
                "/v1/webhook_endpoints",
                key,
                "url="
                    + URLEncoder.encode("http://127.0.0.1:1/unused", StandardCharsets.UTF_8)
                    + "&enabled_events[]=*")
            .body();
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("webhooks.secrets", List.of(group(SECRET, endpoint)))
                .with("reconcile.period", java.time.Duration.ofSeconds(3600))
                .with("reconcile.apiKey", key)
                .with("reconcile.maxPagesPerPass", 10)
                .with("reconcile.driftAuditEvery", java.time.Duration.ofSeconds(3600))
                .with("reconcile.driftSample", 20)
                .with("store.path", dir.resolve("edge.db").toString()));
    String base = "http://127.0.0.1:" + edge.port();
    String first = group(ID, send(base, "POST", "/v1/customers", key, "name=OneBefore").body());
    String second = group(ID, send(base, "POST", "/v1/customers", key, "name=TwoBefore").body());
    edge.reconcileNow();
    for (String customer : List.of(first, second)) {
      send(base, "GET", "/v1/customers/" + customer, key, "");
    }
    send(sim.baseUrl(), "POST", "/_sim/objects/" + first, key, "name=OneAfter");
    send(sim.baseUrl(), "POST", "/_sim/objects/" + second, key, "name=TwoAfter");
    assertThat(send(base, "GET", "/v1/customers/" + first, key, "").body())
        .as("no webhook arrived: still the cached copy")
        .contains("OneBefore");

    var pass = edge.reconcileNow();

    assertThat(pass.applied()).isEqualTo(2);
    assertThat(send(base, "GET", "/v1/customers/" + first, key, "").body()).contains("OneAfter");
    assertThat(send(base, "GET", "/v1/customers/" + second, key, "").body()).contains("TwoAfter");
  }
}
