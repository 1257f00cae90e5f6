package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.stripeedge.runtime.EdgeSettings;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The admin surface on its own listener (issue 18, finding 6): {@code /admin/…} and {@code
 * /metrics} are not on the proxy port; the admin listener refuses foreign Host and Origin headers
 * and state changes without the bearer token. Raw sockets, so the Host header is the test's to
 * choose.
 */
class AdminListenerIT {

  private static final String TOKEN = "admin-listener-test-token";

  @TempDir Path dir;

  private EdgeServer edge;

  @AfterEach
  void stop() {
    if (edge != null) {
      edge.close();
    }
  }

  private EdgeSettings config(String token) {
    return EdgeSettings.defaults()
        .with("port", 0)
        .with("listeners.admin.port", 0)
        .with("listeners.admin.token", token)
        .with("upstream", "http://127.0.0.1:9")
        .with("budget.enabled", false)
        .with("store.path", dir.resolve("edge.db").toString());
  }

  private EdgeServer start(String token) {
    edge = EdgeServer.start(config(token));
    return edge;
  }

  /** One HTTP/1.1 exchange on a fresh connection: the raw answer, head and body. */
  static String raw(int port, String method, String path, String host, String... headers)
      throws Exception {
    StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    if (host != null) {
      request.append("Host: ").append(host).append("\r\n");
    }
    for (String header : headers) {
      request.append(header).append("\r\n");
    }
    request.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static int status(String response) {
    return Integer.parseInt(response.substring(9, 12));
  }

  private String admin(String method, String path, String... headers) throws Exception {
    return raw(edge.adminPort(), method, path, "127.0.0.1:" + edge.adminPort(), headers);
  }

  @Test
  void metricsAndAdminAreNotServedOnTheProxyPort() throws Exception {
    start(TOKEN);
    String proxy = "127.0.0.1:" + edge.port();

    String metrics = raw(edge.port(), "GET", "/metrics", proxy);
    String sizing = raw(edge.port(), "GET", "/admin/sizing", proxy);
    String drift = raw(edge.port(), "POST", "/admin/drift/run", proxy);

    for (String response : List.of(metrics, sizing, drift)) {
      assertThat(status(response)).as(response).isEqualTo(404);
      assertThat(response).contains("{\"error\":{").contains("invalid_request_error");
    }
    assertThat(metrics).doesNotContain("stripe_edge_");
    assertThat(status(raw(edge.port(), "GET", "/healthz", proxy))).isEqualTo(200);
    assertThat(status(raw(edge.port(), "GET", "/readyz", proxy))).isEqualTo(200);
  }

  @Test
  void theAdminListenerIsOnLoopbackByDefaultAndServesMetricsAndReads() throws Exception {
    assertThat(EdgeSettings.defaults().listeners().admin().host()).isEqualTo("127.0.0.1");
    start(TOKEN);

    String metrics = admin("GET", "/metrics");
    String sizing = admin("GET", "/admin/sizing");

    assertThat(status(metrics)).isEqualTo(200);
    assertThat(metrics).contains("stripe_edge_");
    assertThat(status(sizing)).as(sizing).isEqualTo(200);
    assertThat(status(admin("GET", "/healthz"))).isEqualTo(200);
    assertThat(status(raw(edge.adminPort(), "GET", "/v1/customers", null))).isEqualTo(403);
    assertThat(status(admin("GET", "/v1/customers"))).isEqualTo(404);
  }

  @Test
  void aForeignHostIsRefusedEvenForReads() throws Exception {
    start(TOKEN);

    String rebound =
        raw(edge.adminPort(), "GET", "/metrics", "attacker.example:" + edge.adminPort());
    String otherPort = raw(edge.adminPort(), "GET", "/admin/sizing", "127.0.0.1:1");
    String localhost = raw(edge.adminPort(), "GET", "/metrics", "localhost:" + edge.adminPort());

    assertThat(status(rebound)).as(rebound).isEqualTo(403);
    assertThat(rebound).contains("invalid_request_error").doesNotContain("stripe_edge_");
    assertThat(status(otherPort)).isEqualTo(403);
    assertThat(status(localhost)).isEqualTo(200);
  }

  @Test
  void aCrossSiteRequestIsRefusedEvenWithTheToken() throws Exception {
    start(TOKEN);

    String response =
        admin(
            "POST",
            "/admin/drift/run",
            "Origin: https://attacker.example",
            "Authorization: Bearer " + TOKEN);

    assertThat(status(response)).as(response).isEqualTo(403);
  }

  @Test
  void stateChangesWithoutTheRightTokenAre401() throws Exception {
    start(TOKEN);

    String none = admin("POST", "/admin/drift/run");
    String wrong =
        admin("POST", "/admin/webhooks/dead/replay", "Authorization: Bearer nope-nope-nope-nope");
    String right = admin("POST", "/admin/drift/run", "Authorization: Bearer " + TOKEN);

    assertThat(status(none)).as(none).isEqualTo(401);
    assertThat(none)
        .containsIgnoringCase("WWW-Authenticate: Bearer")
        .contains("{\"error\":{")
        .contains("invalid_request_error");
    assertThat(status(wrong)).isEqualTo(401);
    // Past the guard: the audit is off in this edge (no reconciliation key).
    assertThat(status(right)).as(right).isEqualTo(404);
    assertThat(right).contains("drift_audit_off");
  }

  @Test
  void withoutAConfiguredTokenStateChangesAreRefusedSayingHow() throws Exception {
    start("");

    String response = admin("POST", "/admin/drift/run", "Authorization: Bearer anything-at-all");

    assertThat(status(response)).as(response).isEqualTo(403);
    assertThat(response).contains("STRIPE_EDGE_ADMIN_TOKEN");
    assertThat(status(admin("GET", "/admin/sizing"))).isEqualTo(200);
  }

  @Test
  void aProxyBeyondLoopbackWithoutTlsIsWarnedAboutOnceAtStart() {
    Logger logger = (Logger) LoggerFactory.getLogger(EdgeServer.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      start(TOKEN).close();
      edge = null;
      assertThat(appender.list).noneMatch(e -> e.getFormattedMessage().contains("WITHOUT TLS"));

      edge = EdgeServer.start(config(TOKEN).with("host", "0.0.0.0"));

      assertThat(appender.list)
          .filteredOn(e -> e.getLevel() == Level.WARN)
          .filteredOn(e -> e.getFormattedMessage().contains("WITHOUT TLS"))
          .singleElement()
          .satisfies(e -> assertThat(e.getFormattedMessage()).contains("proxy", "0.0.0.0"));
    } finally {
      logger.detachAppender(appender);
    }
  }
}
