package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.exception.SignatureVerificationException;
import com.stripe.model.Event;
import com.stripe.net.Webhook;
import com.sun.net.httpserver.HttpServer;
import dev.stripeedge.core.Secret;
import dev.stripeedge.core.webhooks.ForwardConfig;
import dev.stripeedge.core.webhooks.StripeSignature;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.testkit.Waits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verified events forwarded by a real EdgeServer to a real application receiver on loopback. */
class WebhookForwardIT {

  private static final String ADMIN_TOKEN = "forward-test-admin-token";
  private static final String EDGE_SECRET = "whsec_from_stripe_to_edge";
  private static final String APP_SECRET = "whsec_from_edge_to_app";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> verified = new CopyOnWriteArrayList<>();
  private final Queue<Integer> scripted = new ConcurrentLinkedQueue<>();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile int otherwise = 200;
  private HttpServer app;
  private EdgeServer edge;

  @BeforeEach
  void startApp() throws IOException {
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/stripe/webhook",
        exchange -> {
          requests.incrementAndGet();
          String payload =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String signature = exchange.getRequestHeaders().getFirst("Stripe-Signature");
          Integer status = scripted.poll();
          int answer = status == null ? otherwise : status;
          if (answer == 200) {
            try {
              // The application's own check, as any stripe-java app would do it.
              Event event = Webhook.constructEvent(payload, signature, APP_SECRET);
              verified.add(event.getId());
            } catch (SignatureVerificationException e) {
              answer = 400;
            }
          }
          exchange.sendResponseHeaders(answer, -1);
          exchange.close();
        });
    app.start();
  }

  @AfterEach
  void stop() {
    if (edge != null) {
      edge.close();
    }
    app.stop(0);
  }

  private EdgeServer startEdge(int maxAttempts) {
    return startEdge(
        maxAttempts, "http://127.0.0.1:" + app.getAddress().getPort() + "/stripe/webhook");
  }

  private EdgeServer startEdge(int maxAttempts, String target) {
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("listeners.admin.token", ADMIN_TOKEN)
                .with("upstream", "http://127.0.0.1:9")
                .with("budget.enabled", false)
                .with("webhooks.secrets", List.of(EDGE_SECRET))
                .with(
                    "webhooks.forwarding",
                    new ForwardConfig(
                        Map.of(target, Secret.of(APP_SECRET)),
                        maxAttempts,
                        Duration.ofMillis(20),
                        Duration.ofMillis(100),
                        Duration.ofMillis(2000)))
                .with("store.path", dir.resolve("edge.db").toString()));
    return edge;
  }

  private static String event(String id, String objectId) {
    return event(id, objectId, 0);
  }

  /** Two events of one object within a second would be one change twice: offset {@code created}. */
  private static String event(String id, String objectId, int secondsLater) {
    return """
        {"id":"%s","object":"event","type":"customer.updated","created":%d,"livemode":false,\
        "api_version":"2024-06-20","data":{"object":{"id":"%s","object":"customer"}}}"""
        .formatted(id, Instant.now().getEpochSecond() + secondsLater, objectId);
  }

  private HttpResponse<String> deliver(String payload) throws Exception {
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    String signature = StripeSignature.header(EDGE_SECRET, Instant.now().getEpochSecond(), bytes);
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/webhooks/stripe"))
            .header("Content-Type", "application/json")
            .header("Stripe-Signature", signature)
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> admin(String method, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.adminPort() + path))
            .header("Authorization", "Bearer " + ADMIN_TOKEN)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String deadList() {
    try {
      return admin("GET", "/admin/webhooks/dead").body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(Waits.Condition condition) {
    Waits.until("a forwarding effect", condition);
  }

  private double counter(String name) {
    return edge.metricsRegistry().get(name).counter().count();
  }

  @Test
  void aVerifiedEventReachesTheAppWhichVerifiesItWithStripeJava() throws Exception {
    startEdge(5);

    assertThat(deliver(event("evt_1", "cus_1")).statusCode()).isEqualTo(200);

    await(() -> verified.contains("evt_1"));
    // The app verified it before answering; the edge counts it once the answer is back.
    await(() -> counter("stripe.edge.webhooks.forwarded") == 1.0);
  }

  @Test
  void anEventIsRetriedAfterTheAppAnswers500Twice() throws Exception {
    startEdge(5);
    scripted.add(500);
    scripted.add(500);

    deliver(event("evt_1", "cus_1"));

    await(() -> verified.contains("evt_1"));
    assertThat(requests.get()).isEqualTo(3);
    assertThat(counter("stripe.edge.webhooks.forward.retried")).isEqualTo(2.0);
  }

  @Test
  void aDeliveryIsDeadAfterItsAttemptsAndAReplayDeliversIt() throws Exception {
    startEdge(3);
    otherwise = 500;

    deliver(event("evt_1", "cus_1"));
    await(() -> counter("stripe.edge.webhooks.forward.dead") == 1.0);
    assertThat(requests.get()).isEqualTo(3);
    HttpResponse<String> dead = admin("GET", "/admin/webhooks/dead");
    assertThat(dead.statusCode()).isEqualTo(200);
    assertThat(dead.body()).contains("\"event\":\"evt_1\"").contains("HTTP 500");

    otherwise = 200;
    HttpResponse<String> replay = admin("POST", "/admin/webhooks/dead/evt_1/replay");

    assertThat(replay.body()).isEqualTo("{\"replayed\":1}");
    await(() -> verified.contains("evt_1"));
    await(() -> deadList().contains("\"data\":[]"));
  }

  @Test
  void theDeadListNeverShowsATargetsCredentials() throws Exception {
    startEdge(
        1,
        "http://hook-user:hunter2pass@127.0.0.1:"
            + app.getAddress().getPort()
            + "/stripe/webhook?token=s3cr3tt0ken&api_key=sk_live_51HxYzAbCdEfGhIjKlMn");
    otherwise = 500;

    deliver(event("evt_1", "cus_1"));
    await(() -> counter("stripe.edge.webhooks.forward.dead") == 1.0);
    String dead = deadList();

    assertThat(dead).contains("\"event\":\"evt_1\"").contains("[redacted]@127.0.0.1");
    assertThat(dead).doesNotContain("hunter2pass", "hook-user", "s3cr3tt0ken", "51HxYzAbCdEfGh");
  }

  @Test
  void eventsOfOneObjectArriveInOrderEvenWhenTheFirstIsRetried() throws Exception {
    startEdge(5);
    scripted.add(500);
    scripted.add(500);

    deliver(event("evt_1", "cus_1"));
    deliver(event("evt_2", "cus_1", 1));

    await(() -> verified.size() == 2);
    assertThat(verified).containsExactly("evt_1", "evt_2");
  }

  @Test
  void aPendingDeliverySurvivesARestart() throws Exception {
    startEdge(100);
    otherwise = 500;
    deliver(event("evt_1", "cus_1"));
    await(() -> requests.get() >= 1);
    edge.close();
    edge = null;
    assertThat(verified).isEmpty();

    otherwise = 200;
    startEdge(100);

    await(() -> verified.contains("evt_1"));
  }
}
