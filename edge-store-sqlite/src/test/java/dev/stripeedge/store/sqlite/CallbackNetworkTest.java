package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.queue.CallbackNetwork;
import dev.stripeedge.core.queue.CredentialSeal;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Callbacks connect to the address that was checked, not to a second resolution of the name: a real
 * HTTPS server on loopback whose certificate (made by the JDK's keytool) names {@code hooks.test},
 * a name only the test's resolver knows. Reaching it at all shows the connection went to the
 * resolver's address; the TLS handshake succeeding shows the certificate was checked against the
 * name (it holds no IP); a name resolving inside at send time is never sent.
 */
class CallbackNetworkTest {

  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
  private static final char[] PASSWORD = "changeit".toCharArray();

  private static Path certs;
  private static SSLContext serverTls;
  private static SSLContext clientTls;

  private final List<String> hosts = new CopyOnWriteArrayList<>();
  private final List<String> payloads = new CopyOnWriteArrayList<>();
  private final AtomicInteger lookups = new AtomicInteger();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private HttpsServer app;
  private SqliteWorkQueue queue;
  private AsyncWrites writes;

  @BeforeAll
  static void makeCertificate() throws Exception {
    certs = Files.createTempDirectory("callback-tls");
    Path store = certs.resolve("hooks.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "hooks",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=hooks.test",
                "-ext",
                "san=dns:hooks.test",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(120, TimeUnit.SECONDS) && keytool.exitValue() == 0)
        .as(output)
        .isTrue();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, PASSWORD);
    serverTls = SSLContext.getInstance("TLS");
    serverTls.init(keyManagers.getKeyManagers(), null, null);
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("hooks", keys.getCertificate("hooks"));
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, trust.getTrustManagers(), null);
  }

  @AfterAll
  static void removeCertificate() throws Exception {
    try (var files = Files.list(certs)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(certs);
  }

  @BeforeEach
  void startServer() throws Exception {
    app = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    app.createContext(
        "/done",
        exchange -> {
          hosts.add(exchange.getRequestHeaders().getFirst("Host"));
          payloads.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    app.start();
    queue = SqliteWorkQueue.open(Files.createTempDirectory("callbacks").resolve("edge.db"));
  }

  @AfterEach
  void stop() {
    if (writes != null) {
      writes.close();
    }
    queue.close();
    app.stop(0);
  }

  /** The edge with callbacks allowed to {@code allowed}, names resolved to loopback. */
  private void start(List<String> allowed) {
    CallbackNetwork.Resolver resolver =
        host -> {
          lookups.incrementAndGet();
          return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
        };
    EdgePipeline pipeline =
        new EdgePipeline() {
          @Override
          public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
            return CompletableFuture.completedFuture(
                new EdgeResponse(
                    200,
                    Map.of("request-id", List.of("req_1")),
                    "{\"id\":\"cus_1\"}".getBytes(StandardCharsets.UTF_8)));
          }

          @Override
          public void invalidate(String objectId) {}

          @Override
          public long cachedBytes() {
            return 0;
          }
        };
    writes =
        AsyncWrites.over(
            pipeline,
            queue,
            CredentialSeal.derivedFrom(new byte[32]),
            AsyncWriteConfig.defaults().toBuilder()
                .callbackSecret("whsec_unit")
                .callbackHosts(allowed)
                .build(),
            Clock.fixed(T0, ZoneOffset.UTC),
            new SplittableRandom(1),
            meters,
            new CallbackNetwork(resolver, clientTls));
  }

  private void acceptWithCallback(String url) throws Exception {
    EdgeResponse answer =
        writes
            .offer(
                EdgeRequest.of("POST", "/v1/customers", "")
                    .withHeader("Authorization", "Bearer sk_test_unit")
                    .withHeader("Prefer", "respond-async")
                    .withHeader("Stripe-Edge-Callback", url))
            .get();
    assertThat(answer.status()).as(answer.bodyText()).isEqualTo(202);
  }

  /** Worker rounds until the callback counter {@code outcome} reaches 1. */
  private void awaitCallback(String outcome) throws InterruptedException {
    for (int i = 0; i < 2000; i++) {
      writes.runOnce();
      var counter = meters.find("stripe.edge.async.callbacks").tag("outcome", outcome).counter();
      if (counter != null && counter.count() >= 1) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no " + outcome + " callback counted");
  }

  private String url(String host) {
    return "https://" + host + ":" + app.getAddress().getPort() + "/done";
  }

  @Test
  void aCallbackReachesTheAddressCheckedWithItsNameInHostAndTls() throws Exception {
    start(List.of("hooks.test"));
    acceptWithCallback(url("hooks.test"));

    awaitCallback("delivered");

    assertThat(hosts).containsExactly("hooks.test:" + app.getAddress().getPort());
    assertThat(payloads.get(0)).contains("\"type\":\"edge.write.succeeded\"", "cus_1");
    assertThat(lookups).hasValue(1);
  }

  @Test
  void aCertificateForAnotherNameIsRefusedByTls() throws Exception {
    start(List.of("other.test"));
    acceptWithCallback(url("other.test"));

    awaitCallback("retried");

    assertThat(hosts).isEmpty();
  }

  @Test
  void aNameResolvingInsideAtSendTimeIsNeverSent() throws Exception {
    // Allowed by a wildcard, so its addresses must be public: it answers loopback when sent.
    start(List.of("*.test"));
    acceptWithCallback(url("rebind.test"));
    assertThat(lookups).hasValue(0);

    awaitCallback("refused");

    assertThat(hosts).isEmpty();
    assertThat(lookups).hasValue(1);
  }
}
