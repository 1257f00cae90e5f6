package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The operator's view of a real sidecar in front of stripe-sim (issue 19): one access-log line per
 * request without secrets or ids, hit-ratio counters per resource and tier, latency buckets, JVM
 * and process meters, and a sizing report without NaN.
 */
class OperatorViewIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String KEY = "sk_test_operator_view_key";

  @TempDir static Path dir;

  private static EdgeServer edge;
  private static final ListAppender<ILoggingEvent> access = new ListAppender<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startEdge() {
    access.start();
    ((Logger) LoggerFactory.getLogger("stripe.edge.access")).addAppender(access);
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
    ((Logger) LoggerFactory.getLogger("stripe.edge.access")).detachAppender(access);
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + KEY)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void oneAccessLineAndTheHitRatioPerRequest() throws Exception {
    StripeClient stripe =
        StripeClient.builder()
            .setApiKey(KEY)
            .setApiBase("http://127.0.0.1:" + edge.port())
            .setMaxNetworkRetries(0)
            .build();
    String id = stripe.v1().customers().create(CustomerCreateParams.builder().build()).getId();
    access.list.clear();
    for (int i = 0; i < 3; i++) {
      assertThat(get(edge.port(), "/v1/customers/" + id).statusCode()).isEqualTo(200);
    }

    List<String> lines =
        access.list.stream()
            .map(ILoggingEvent::getFormattedMessage)
            .filter(line -> line.contains("/v1/customers/{id}"))
            .toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0))
        .contains("\"GET /v1/customers/{id}\" 200 ")
        .contains("cache=miss")
        .contains("lane=normal")
        .containsPattern("upstream_ms=[0-9.]+ attempts=1 request_id=req_");
    assertThat(lines.get(2)).contains("cache=hit").contains("upstream_ms=- attempts=0");
    for (String line : lines) {
      assertThat(line).doesNotContain(KEY).doesNotContain(id);
    }

    String metrics = get(edge.adminPort(), "/metrics").body();
    assertThat(metrics)
        .contains(
            "stripe_edge_cache_reads_total{resource=\"customers\",result=\"hit\",tier=\"memory\"}"
                + " 2.0")
        .contains(
            "stripe_edge_cache_reads_total{resource=\"customers\",result=\"miss\",tier=\"memory\"}"
                + " 1.0")
        .contains("stripe_edge_latency_seconds_bucket{cache=\"hit\",route=\"/v1/customers/{id}\"")
        .contains("jvm_memory_used_bytes")
        .contains("jvm_gc_")
        .contains("process_cpu_usage")
        .contains("process_uptime_seconds")
        .doesNotContain("NaN");
    assertThat(get(edge.adminPort(), "/admin/sizing").body())
        .doesNotContain("NaN")
        .doesNotContain("max 0.000");
  }

  @Test
  void aPathOutsideTheApiIsLoggedAsOther() throws Exception {
    access.list.clear();

    assertThat(get(edge.port(), "/secret/path/sk_live_abc").statusCode()).isEqualTo(404);

    assertThat(access.list)
        .singleElement()
        .extracting(ILoggingEvent::getFormattedMessage)
        .asString()
        .contains("\"GET other\" 404")
        .doesNotContain("secret/path");
  }
}
