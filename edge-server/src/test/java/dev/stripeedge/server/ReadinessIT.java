package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.runtime.EdgeSettings;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /readyz} follows upstream and the store (issue 19): ready at start, not ready with the
 * reason once every recent upstream attempt got no answer (ready again when upstream answers) or
 * once the store stops taking writes; {@code /healthz} stays about the process.
 */
class ReadinessIT {

  @TempDir Path dir;

  private EdgeServer edge;
  private HttpServer upstream;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (edge != null) {
      edge.close();
    }
    if (upstream != null) {
      upstream.stop(0);
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer sk_test_readiness")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void notReadyWhileUpstreamIsUnreachableAndReadyWhenItAnswersAgain() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", "http://127.0.0.1:" + port)
                .with("budget.enabled", false)
                .with("store.path", dir.resolve("edge.db").toString()));
    assertThat(get(edge.adminPort(), "/readyz").statusCode()).isEqualTo(200);

    for (int i = 0; i < 5; i++) {
      assertThat(get(edge.port(), "/v1/customers/cus_" + i).statusCode()).isIn(502, 504);
    }

    HttpResponse<String> down = get(edge.adminPort(), "/readyz");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body())
        .startsWith("upstream unreachable: the last ")
        .contains("connect")
        .contains("http://127.0.0.1:" + port);
    assertThat(get(edge.port(), "/readyz").statusCode()).isEqualTo(503);
    assertThat(get(edge.adminPort(), "/healthz").statusCode()).isEqualTo(200);

    // Upstream comes back; nobody sends traffic (a balancer stopped it): the edge's probe sees it.
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    upstream.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(401, -1);
          exchange.close();
        });
    upstream.start();
    long until = System.nanoTime() + 30_000_000_000L;
    int status = 503;
    while (status != 200 && System.nanoTime() < until) {
      Thread.sleep(200);
      status = get(edge.adminPort(), "/readyz").statusCode();
    }
    assertThat(status).isEqualTo(200);
  }

  @Test
  void notReadyOnceTheStoreCannotWrite() throws Exception {
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", "http://127.0.0.1:9")
                .with("budget.enabled", false)
                .with("webhooks.secrets", java.util.List.of("whsec_readiness_store"))
                .with("store.path", dir.resolve("edge.db").toString()));
    assertThat(get(edge.adminPort(), "/readyz").statusCode()).isEqualTo(200);
    EventStore store = edge.runtime().ledger();
    assertThat(store).as("webhooks on: the edge keeps a ledger").isNotNull();

    // The store goes away under the edge (as a file on a failed disk would): heartbeats fail.
    ((AutoCloseable) store).close();

    long until = System.nanoTime() + 60_000_000_000L;
    HttpResponse<String> readyz = get(edge.adminPort(), "/readyz");
    while (readyz.statusCode() == 200 && System.nanoTime() < until) {
      Thread.sleep(500);
      readyz = get(edge.adminPort(), "/readyz");
    }
    assertThat(readyz.statusCode()).isEqualTo(503);
    assertThat(readyz.body()).startsWith("the store cannot write: the last ");
    assertThat(get(edge.adminPort(), "/healthz").statusCode()).isEqualTo(200);
  }
}
