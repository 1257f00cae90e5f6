package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.Waits;
import io.micrometer.core.instrument.Counter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The callback guard through a real sidecar: a callback URL the allow-list does not cover is a
 * Stripe-shaped 400 naming the header, nothing queued; a name allowed by a wildcard that resolves
 * to loopback (the system resolver's {@code localhost}) is accepted but never called.
 */
class AsyncCallbackGuardIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  private EdgeServer edge(List<String> allowedHosts) {
    EdgeServer edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("store.path", dir.resolve("edge.db").toString())
                .with(
                    "asyncWrites",
                    AsyncWriteConfig.defaults().toBuilder()
                        .callbackSecret("whsec_guard")
                        .callbackHosts(allowedHosts)
                        .build()));
    closing.add(edge);
    return edge;
  }

  private HttpResponse<String> asyncCreate(EdgeServer edge, String callback) throws Exception {
    String key = "sk_test_guard" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/v1/customers"))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Prefer", "respond-async")
            .header("Stripe-Edge-Callback", callback)
            .POST(HttpRequest.BodyPublishers.ofString("name=Guarded"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void callbackUrlsOutsideTheAllowListAreRefusedNamingTheHeader() throws Exception {
    EdgeServer edge = edge(List.of("hooks.example.com", "*.example.org"));

    for (String url :
        List.of(
            "https://evil.example.net/done",
            "https://169.254.169.254/latest/meta-data/",
            "http://a.example.org/done",
            "https://user:pass@hooks.example.com/done",
            "ftp://hooks.example.com/done",
            "not a url")) {
      HttpResponse<String> refused = asyncCreate(edge, url);

      assertThat(refused.statusCode()).as(url).isEqualTo(400);
      JsonNode error = JSON.readTree(refused.body()).path("error");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("code").asText()).isEqualTo("invalid_callback");
      assertThat(error.path("param").asText()).isEqualTo("Stripe-Edge-Callback");
    }
    var counts = edge.runtime().asyncWrites().queue().counts();
    assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isZero();
  }

  @Test
  void aNameAllowedByAWildcardButResolvingToLoopbackIsNeverCalled() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/",
        exchange -> {
          calls.incrementAndGet();
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    app.start();
    closing.add(() -> app.stop(0));
    EdgeServer edge = edge(List.of("*"));

    HttpResponse<String> accepted =
        asyncCreate(edge, "https://localhost:" + app.getAddress().getPort() + "/done");

    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    Waits.until(
        "the callback refused",
        () -> {
          Counter refused =
              edge.metricsRegistry()
                  .find("stripe.edge.async.callbacks")
                  .tag("outcome", "refused")
                  .counter();
          return refused != null && refused.count() == 1.0;
        });
    assertThat(calls).hasValue(0);
    assertThat(edge.metricsRegistry().find("stripe.edge.async.callbacks").counters())
        .extracting(c -> c.getId().getTag("outcome"))
        .containsExactly("refused");
    // An IP literal is never matched by a wildcard: refused at once.
    assertThat(
            asyncCreate(edge, "https://127.0.0.1:" + app.getAddress().getPort() + "/").statusCode())
        .isEqualTo(400);
  }
}
