package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.webhooks.SignatureCheck;
import dev.stripeedge.core.webhooks.StripeSignature;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asynchronous writes through a real sidecar against the simulator: 202 then a status that ends
 * succeeded with one object at Stripe, failed on a 400, refused on forbidden routes and when the
 * queue is full, readable only with the writer's key, and a signed completion callback.
 */
class AsyncWritesIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CALLBACK_SECRET = "whsec_edge_callbacks_for_tests";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  private EdgeServer edge(String upstream, AsyncWriteConfig async) {
    EdgeServer edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", upstream)
                .with("store.path", dir.resolve("edge.db").toString())
                .with("asyncWrites", async));
    closing.add(edge);
    return edge;
  }

  private static String key() {
    return "sk_test_async" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private HttpResponse<String> send(
      String url, String method, String key, String form, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .method(method, HttpRequest.BodyPublishers.ofString(form));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A POST through {@code edge} asking for asynchronous handling. */
  private HttpResponse<String> async(
      EdgeServer edge, String key, String path, String form, String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "Prefer";
    all[1] = "respond-async";
    System.arraycopy(headers, 0, all, 2, headers.length);
    return send("http://127.0.0.1:" + edge.port() + path, "POST", key, form, all);
  }

  private JsonNode awaitFinished(EdgeServer edge, String location, String key) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      HttpResponse<String> status =
          send("http://127.0.0.1:" + edge.port() + location, "GET", key, "");
      assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
      JsonNode json = JSON.readTree(status.body());
      String state = json.path("state").asText();
      if (!state.equals("queued") && !state.equals("in_flight")) {
        return json;
      }
      assertThat(System.nanoTime()).as("finished in time: " + json).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** Customers at the simulator for {@code key}'s account. */
  private List<JsonNode> customers(String key) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    String after = "";
    while (true) {
      JsonNode page =
          JSON.readTree(
              send(sim.baseUrl() + "/v1/customers?limit=100" + after, "GET", key, "").body());
      page.path("data").forEach(out::add);
      if (!page.path("has_more").asBoolean()) {
        return out;
      }
      after = "&starting_after=" + out.get(out.size() - 1).path("id").asText();
    }
  }

  @Test
  void anAsyncCreateIsAcceptedThenAppliedOnce() throws Exception {
    EdgeServer edge = edge(sim.baseUrl(), AsyncWriteConfig.defaults());
    String key = key();

    HttpResponse<String> accepted = async(edge, key, "/v1/customers", "name=Async&metadata[n]=1");

    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    assertThat(accepted.headers().firstValue("Preference-Applied")).hasValue("respond-async");
    String location = accepted.headers().firstValue("Location").orElseThrow();
    String id = accepted.headers().firstValue("Stripe-Edge-Write").orElseThrow();
    assertThat(location).isEqualTo("/edge/writes/" + id);
    String idempotencyKey = accepted.headers().firstValue("Idempotency-Key").orElseThrow();
    JsonNode done = awaitFinished(edge, location, key);
    assertThat(done.path("state").asText()).isEqualTo("succeeded");
    assertThat(done.path("idempotency_key").asText()).isEqualTo(idempotencyKey);
    assertThat(done.at("/result/status").asInt()).isEqualTo(200);
    assertThat(done.at("/result/request_id").asText()).startsWith("req_");
    String customer = done.at("/result/body/id").asText();
    assertThat(customer).startsWith("cus_");
    assertThat(customers(key)).extracting(c -> c.path("id").asText()).containsExactly(customer);
    // Operators see it on the admin listener.
    HttpResponse<String> listed =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + edge.adminPort() + "/admin/writes?state=succeeded"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(listed.body())
        .contains(id)
        .doesNotContain(key)
        .doesNotContainIgnoringCase("authoriz");
    // Nor is the key anywhere in the edge's files (database, WAL): it was sealed before storing.
    StringBuilder stored = new StringBuilder();
    try (var files = java.nio.file.Files.walk(dir)) {
      for (Path file : files.filter(java.nio.file.Files::isRegularFile).toList()) {
        stored.append(
            new String(java.nio.file.Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
      }
    }
    assertThat(stored.toString()).contains(id).doesNotContain(key);
  }

  @Test
  void theStatusIsOnlyForTheKeyThatWrote() throws Exception {
    EdgeServer edge = edge(sim.baseUrl(), AsyncWriteConfig.defaults());
    String key = key();
    HttpResponse<String> accepted = async(edge, key, "/v1/customers", "name=Mine");
    String location = accepted.headers().firstValue("Location").orElseThrow();

    HttpResponse<String> other =
        send("http://127.0.0.1:" + edge.port() + location, "GET", key(), "");

    assertThat(other.statusCode()).isEqualTo(404);
    assertThat(other.body()).contains("resource_missing");
  }

  @Test
  void aWriteStripeRefusesEndsFailedWithStripesError() throws Exception {
    EdgeServer edge = edge(sim.baseUrl(), AsyncWriteConfig.defaults());
    String key = key();

    HttpResponse<String> accepted =
        async(edge, key, "/v1/customers/cus_doesnotexist", "name=Nobody");

    assertThat(accepted.statusCode()).isEqualTo(202);
    JsonNode done =
        awaitFinished(edge, accepted.headers().firstValue("Location").orElseThrow(), key);
    assertThat(done.path("state").asText()).isEqualTo("failed");
    assertThat(done.at("/result/status").asInt()).isEqualTo(404);
    assertThat(done.at("/result/body/error/code").asText()).isEqualTo("resource_missing");
    assertThat(done.path("attempts").asInt()).isEqualTo(1);
  }

  @Test
  void aForbiddenRouteAnswersAClear400AndNothingIsQueued() throws Exception {
    EdgeServer edge = edge(sim.baseUrl(), AsyncWriteConfig.defaults());

    HttpResponse<String> refused = async(edge, key(), "/v1/payment_intents/pi_123/confirm", "");

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("async_not_allowed").contains("customer is present");
    assertThat(edge.runtime().asyncWrites().queue().counts().values()).containsOnly(0L);
  }

  @Test
  void aFullQueueAnswers503WithRetryAfterAndAcceptsNothing() throws Exception {
    // An upstream that takes connections and never answers: the first write stays in flight.
    ServerSocket silent = new ServerSocket(0);
    List<Socket> held = new CopyOnWriteArrayList<>();
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                while (true) {
                  held.add(silent.accept());
                }
              } catch (IOException e) {
                // closed
              }
            });
    closing.add(silent);
    EdgeServer edge =
        edge(
            "http://127.0.0.1:" + silent.getLocalPort(),
            AsyncWriteConfig.defaults().toBuilder().maxQueued(1).build());
    String key = key();

    HttpResponse<String> first = async(edge, key, "/v1/customers", "name=First");
    HttpResponse<String> second = async(edge, key, "/v1/customers", "name=Second");

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(second.headers().firstValue("Retry-After")).hasValue("5");
    assertThat(second.headers().firstValue("Stripe-Edge-Write")).isEmpty();
    assertThat(JSON.readTree(second.body()).at("/error/code").asText())
        .isEqualTo("edge_queue_unavailable");
    var counts = edge.runtime().asyncWrites().queue().counts();
    assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
  }

  @Test
  void aCompletionCallbackIsSignedWithTheEdgesSecret() throws Exception {
    List<String> verified = new CopyOnWriteArrayList<>();
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/done",
        exchange -> {
          byte[] payload = exchange.getRequestBody().readAllBytes();
          SignatureCheck check =
              StripeSignature.of(List.of(CALLBACK_SECRET))
                  .verify(payload, exchange.getRequestHeaders().getFirst("Stripe-Signature"));
          if (check instanceof SignatureCheck.Valid) {
            verified.add(new String(payload, StandardCharsets.UTF_8));
          }
          exchange.sendResponseHeaders(check instanceof SignatureCheck.Valid ? 200 : 400, -1);
          exchange.close();
        });
    app.start();
    closing.add(() -> app.stop(0));
    EdgeServer edge =
        edge(
            sim.baseUrl(),
            AsyncWriteConfig.defaults().toBuilder()
                .callbackSecret(CALLBACK_SECRET)
                .callbackHosts(List.of("127.0.0.1"))
                .build());
    String key = key();

    HttpResponse<String> accepted =
        async(
            edge,
            key,
            "/v1/customers",
            "name=Called",
            "Stripe-Edge-Callback",
            "http://127.0.0.1:" + app.getAddress().getPort() + "/done");

    assertThat(accepted.statusCode()).isEqualTo(202);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (verified.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(verified).hasSize(1);
    JsonNode event = JSON.readTree(verified.get(0));
    assertThat(event.path("type").asText()).isEqualTo("edge.write.succeeded");
    assertThat(event.at("/data/object/id").asText())
        .isEqualTo(accepted.headers().firstValue("Stripe-Edge-Write").orElseThrow());
    assertThat(event.at("/data/object/result/body/object").asText()).isEqualTo("customer");
    // Counted once the edge has the app's answer, just after the app saw the call.
    while (edge.metricsRegistry().find("stripe.edge.async.callbacks").counter() == null
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(
            edge.metricsRegistry()
                .get("stripe.edge.async.callbacks")
                .tag("outcome", "delivered")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void withoutAnEdgeSecretACallbackIsRefused() throws Exception {
    EdgeServer edge = edge(sim.baseUrl(), AsyncWriteConfig.defaults());

    HttpResponse<String> refused =
        async(
            edge,
            key(),
            "/v1/customers",
            "name=Nope",
            "Stripe-Edge-Callback",
            "http://127.0.0.1:9/done");

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("invalid_callback");
  }
}
