package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.stripe.StripeClient;
import com.stripe.model.Customer;
import com.stripe.param.CustomerCreateParams;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * TLS on the proxy, admin and webhook listeners from PEM files (issue 18, finding 7), over real
 * HTTPS on loopback with a certificate made for the test: the JDK client and stripe-java trust it
 * and nothing else; a renewed pair is served without a restart.
 */
class TlsListenerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @TempDir static Path certs;
  @TempDir Path dir;

  private static TestCerts.Pair first;
  private static TestCerts.Pair second;

  private EdgeServer edge;

  @BeforeAll
  static void makeCertificates() throws Exception {
    first = TestCerts.selfSigned(certs, "first");
    second = TestCerts.selfSigned(certs, "second");
  }

  @AfterEach
  void stop() {
    if (edge != null) {
      edge.close();
    }
  }

  /** Every listener on TLS from one pair of files in {@code dir}, checked every second. */
  private EdgeServer start(EdgeSettings.Tls tls) {
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("upstream", sim.baseUrl())
                .with("webhooks.secrets", List.of("whsec_tls"))
                .with(
                    Map.of(
                        "listeners.proxyTls",
                        tls,
                        "listeners.admin.port",
                        0,
                        "listeners.admin.tls",
                        tls,
                        "listeners.webhooks",
                        new EdgeSettings.WebhookListener(true, "127.0.0.1", 0, tls),
                        "listeners.tlsReload",
                        java.time.Duration.ofSeconds(1)))
                .with("store.path", dir.resolve("edge.db").toString()));
    return edge;
  }

  /** The test's copy of {@code pair}'s files, which it may overwrite. */
  private EdgeSettings.Tls copyOf(TestCerts.Pair pair) throws Exception {
    Path cert = dir.resolve("edge.crt");
    Path key = dir.resolve("edge.key");
    Files.copy(pair.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(pair.key(), key, StandardCopyOption.REPLACE_EXISTING);
    return new EdgeSettings.Tls(cert.toString(), key.toString());
  }

  private static HttpClient client(SSLContext context) {
    return HttpClient.newBuilder().sslContext(context).build();
  }

  private static HttpResponse<String> get(HttpClient http, String url, String key)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The certificate the listener on {@code port} presents now. */
  private static X509Certificate presented(int port, SSLContext context) throws Exception {
    SSLSocketFactory factory = context.getSocketFactory();
    try (SSLSocket socket = (SSLSocket) factory.createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  @Test
  void theJdkClientTrustingTheCertificateGetsTheApiOverHttps() throws Exception {
    start(copyOf(first));
    HttpClient http = client(TestCerts.trusting(List.of(first.certificate())));
    String key = "sk_test_tls_jdk";

    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + edge.port() + "/v1/customers"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=Tls"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    assertThat(created.body()).containsPattern("\"object\":\\s*\"customer\"");
    HttpResponse<String> metrics =
        get(http, "https://127.0.0.1:" + edge.adminPort() + "/metrics", null);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("stripe_edge_");
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateIsRefused() throws Exception {
    start(copyOf(first));
    HttpClient http = client(TestCerts.trusting(List.of(second.certificate())));

    assertThatThrownBy(() -> get(http, "https://127.0.0.1:" + edge.port() + "/healthz", null))
        .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
  }

  @Test
  void stripeJavaReachesTheEdgeOverHttps() throws Exception {
    start(copyOf(first));
    // stripe-java's default HttpURLConnectionClient takes no trust store of its own: it uses
    // HttpsURLConnection's default socket factory, set here for this test only and put back.
    SSLSocketFactory previous = HttpsURLConnection.getDefaultSSLSocketFactory();
    HttpsURLConnection.setDefaultSSLSocketFactory(
        TestCerts.trusting(List.of(first.certificate())).getSocketFactory());
    try {
      StripeClient stripe =
          StripeClient.builder()
              .setApiKey("sk_test_tls_stripe_java")
              .setApiBase("https://127.0.0.1:" + edge.port())
              .setMaxNetworkRetries(0)
              .build();

      Customer created =
          stripe.v1().customers().create(CustomerCreateParams.builder().setName("Tls").build());
      Customer read = stripe.v1().customers().retrieve(created.getId());

      assertThat(read.getName()).isEqualTo("Tls");
    } finally {
      HttpsURLConnection.setDefaultSSLSocketFactory(previous);
    }
  }

  @Test
  void curlVerifyingAgainstTheCertificateGetsTheApi() throws Exception {
    Path curl =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
            .map(folder -> Path.of(folder, "curl"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    assumeTrue(curl != null, "curl is not on PATH");
    start(copyOf(first));

    Process process =
        new ProcessBuilder(
                curl.toString(),
                "-s",
                "--max-time",
                "60",
                "--cacert",
                first.cert().toString(),
                "-u",
                "sk_test_tls_curl:",
                "-d",
                "name=Curl",
                "https://127.0.0.1:" + edge.port() + "/v1/customers")
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).containsPattern("\"name\":\\s*\"Curl\"");
  }

  @Test
  void webhooksHaveTheirOwnListenerAndOnlyWebhooksThere() throws Exception {
    start(copyOf(first));
    HttpClient http = client(TestCerts.trusting(List.of(first.certificate())));
    String hooks = "https://127.0.0.1:" + edge.webhookPort();

    HttpResponse<String> unsigned =
        http.send(
            HttpRequest.newBuilder(URI.create(hooks + "/webhooks/stripe"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> onProxy =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + edge.port() + "/webhooks/stripe"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(unsigned.statusCode()).as("the receiver refuses it").isEqualTo(400);
    assertThat(unsigned.body()).contains("invalid_request_error");
    assertThat(onProxy.statusCode()).isEqualTo(404);
    assertThat(get(http, hooks + "/v1/customers", "sk_test_tls_hooks").statusCode()).isEqualTo(404);
    assertThat(get(http, hooks + "/metrics", null).statusCode()).isEqualTo(404);
    assertThat(get(http, hooks + "/healthz", null).statusCode()).isEqualTo(200);
  }

  @Test
  void renewedFilesAreServedWithoutARestart() throws Exception {
    EdgeSettings.Tls tls = copyOf(first);
    start(tls);
    SSLContext both = TestCerts.trusting(List.of(first.certificate(), second.certificate()));
    assertThat(presented(edge.port(), both)).isEqualTo(first.certificate());

    // The way a renewal lands: new files moved over the old ones.
    Path newCert = dir.resolve("new.crt");
    Path newKey = dir.resolve("new.key");
    Files.copy(second.cert(), newCert);
    Files.copy(second.key(), newKey);
    Files.move(newKey, Path.of(tls.keyFile()), StandardCopyOption.REPLACE_EXISTING);
    Files.move(newCert, Path.of(tls.certFile()), StandardCopyOption.REPLACE_EXISTING);

    // Checked every second; generous for a loaded machine.
    long until = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < until
        && !(presented(edge.port(), both).equals(second.certificate())
            && presented(edge.adminPort(), both).equals(second.certificate())
            && presented(edge.webhookPort(), both).equals(second.certificate()))) {
      Thread.sleep(100);
    }
    assertThat(presented(edge.port(), both)).isEqualTo(second.certificate());
    assertThat(presented(edge.adminPort(), both)).isEqualTo(second.certificate());
    assertThat(presented(edge.webhookPort(), both)).isEqualTo(second.certificate());
    HttpClient http = client(TestCerts.trusting(List.of(second.certificate())));
    assertThat(get(http, "https://127.0.0.1:" + edge.port() + "/healthz", null).statusCode())
        .isEqualTo(200);
  }

  @Test
  void aBrokenRenewalKeepsTheServedCertificate() throws Exception {
    EdgeSettings.Tls tls = copyOf(first);
    start(tls);
    SSLContext trustFirst = TestCerts.trusting(List.of(first.certificate()));
    Logger logger = (Logger) LoggerFactory.getLogger(ListenerTls.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      Files.writeString(Path.of(tls.certFile()), "not a certificate\n");

      long until = System.nanoTime() + 60_000_000_000L;
      while (System.nanoTime() < until && rejections(appender) < 3) {
        Thread.sleep(100);
      }
      assertThat(rejections(appender))
          .as("each listener tried the new pair")
          .isGreaterThanOrEqualTo(3);
      assertThat(presented(edge.port(), trustFirst)).isEqualTo(first.certificate());
    } finally {
      logger.detachAppender(appender);
    }
  }

  private static long rejections(ListAppender<ILoggingEvent> appender) {
    synchronized (appender.list) {
      return appender.list.stream()
          .filter(e -> e.getLevel() == Level.WARN)
          .filter(e -> e.getFormattedMessage().contains("keeping its TLS certificate"))
          .count();
    }
  }

  @Test
  void missingFilesStopTheStartWithTheirName() {
    EdgeSettings.Tls missing =
        new EdgeSettings.Tls(
            dir.resolve("absent.crt").toString(), dir.resolve("absent.key").toString());

    assertThatThrownBy(() -> start(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absent.crt");
  }
}
