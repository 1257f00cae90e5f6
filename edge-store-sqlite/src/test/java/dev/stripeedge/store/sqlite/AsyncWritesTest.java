package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.queue.CredentialSeal;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.queue.WriteStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The workers' mechanism on fake time over the real SQLite queue: the same idempotency key on every
 * delivery, backoff honoured, 4xx final, dead after the bound, requeue, the request's lane.
 */
class AsyncWritesTest {

  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
  private static final CredentialSeal SEAL = CredentialSeal.derivedFrom(new byte[32]);

  private final List<EdgeRequest> sent = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Queue<Integer> script = new ConcurrentLinkedQueue<>();
  private Instant now = T0;
  private Path dir;
  private SqliteWorkQueue queue;
  private AsyncWrites writes;

  private final EdgePipeline pipeline =
      new EdgePipeline() {
        @Override
        public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
          sent.add(request);
          Integer status = script.poll();
          // Stripe echoes what a create sent (a customer's name): here the form body, whole.
          String echo =
              request.body().length == 0
                  ? ""
                  : ",\"sent\":\"" + new String(request.body(), StandardCharsets.UTF_8) + "\"";
          return CompletableFuture.completedFuture(
              new EdgeResponse(
                  status == null ? 200 : status,
                  Map.of("request-id", List.of("req_" + sent.size())),
                  ("{\"id\":\"cus_1\"" + echo + "}").getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void invalidate(String objectId) {}

        @Override
        public long cachedBytes() {
          return 0;
        }
      };

  @BeforeEach
  void open() throws Exception {
    dir = Files.createTempDirectory("async");
    queue = SqliteWorkQueue.open(dir.resolve("edge.db"));
    start(AsyncWriteConfig.defaults().toBuilder().maxAttempts(3).build());
  }

  private void start(AsyncWriteConfig config) {
    start(config, SEAL);
  }

  private void start(AsyncWriteConfig config, CredentialSeal seal) {
    if (writes != null) {
      writes.close();
    }
    Clock clock =
        new Clock() {
          @Override
          public Instant instant() {
            return now;
          }

          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }
        };
    writes =
        AsyncWrites.over(pipeline, queue, seal, config, clock, new SplittableRandom(1), meters);
  }

  @AfterEach
  void close() {
    writes.close();
    queue.close();
  }

  private String accept(EdgeRequest request) throws Exception {
    EdgeResponse answer = writes.offer(request).get();
    assertThat(answer.status()).as(answer.bodyText()).isEqualTo(202);
    return answer.header("stripe-edge-write");
  }

  private static EdgeRequest create() {
    return EdgeRequest.of("POST", "/v1/customers", "")
        .withHeader("Authorization", "Bearer sk_test_unit")
        .withHeader("Prefer", "respond-async");
  }

  /** One worker round, then waits until its outcomes are recorded. */
  private WriteStatus round(String id) throws Exception {
    int before = sent.size();
    writes.runOnce();
    for (int i = 0; i < 500; i++) {
      WriteStatus status = queue.status(id).orElseThrow();
      if (sent.size() == before || status.state() != WriteState.IN_FLIGHT) {
        return status;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("never recorded");
  }

  @Test
  void aRetriedWriteKeepsItsKeyAndWaitsForItsBackoff() throws Exception {
    script.add(500);
    String id = accept(create());

    WriteStatus afterFirst = round(id);
    assertThat(afterFirst.state()).isEqualTo(WriteState.QUEUED);
    assertThat(afterFirst.reason()).isEqualTo("HTTP 500");
    // Due again within the first backoff ceiling (1 s, full jitter).
    now = now.plusSeconds(1);
    WriteStatus done = round(id);

    assertThat(done.state()).isEqualTo(WriteState.SUCCEEDED);
    assertThat(done.attempts()).isEqualTo(2);
    assertThat(done.requestId()).isEqualTo("req_2");
    assertThat(sent).hasSize(2);
    assertThat(sent.get(0).header("idempotency-key"))
        .isNotBlank()
        .isEqualTo(sent.get(1).header("idempotency-key"))
        .isEqualTo(done.idempotencyKey());
    assertThat(sent.get(0).header("prefer")).isNull();
  }

  @Test
  void theWorkerUsesTheBackgroundLaneUnlessTheRequestAskedForAnother() throws Exception {
    String background = accept(create());
    round(background);
    String critical = accept(create().withHeader("Priority", "u=1"));
    round(critical);

    assertThat(sent).extracting(r -> r.header("priority")).containsExactly("u=6", "u=1");
    for (String lane : List.of("background", "critical")) {
      assertThat(
              meters
                  .get("stripe.edge.async.lane.outcomes")
                  .tag("lane", lane)
                  .tag("outcome", "succeeded")
                  .counter()
                  .count())
          .as(lane)
          .isEqualTo(1.0);
    }
  }

  @Test
  void theBacklogIsMeasuredPerLane() throws Exception {
    accept(create());
    now = now.plusSeconds(30);
    accept(create().withHeader("Priority", "u=1"));
    accept(
        EdgeRequest.of("POST", "/v1/payment_intents", "")
            .withHeader("Authorization", "Bearer sk_test_unit")
            .withHeader("Prefer", "respond-async")
            .withHeader("Priority", "u=3"));
    now = now.plusSeconds(30);

    var backlog = queue.backlogByLane();
    assertThat(backlog.keySet()).containsExactlyInAnyOrder("background", "critical");
    assertThat(backlog.get("background").unfinished()).isEqualTo(1);
    assertThat(backlog.get("background").oldest()).isEqualTo(T0);
    // u=3 says nothing: a PaymentIntent create is critical by its route.
    assertThat(backlog.get("critical").unfinished()).isEqualTo(2);
    assertThat(backlog.get("critical").oldest()).isEqualTo(T0.plusSeconds(30));

    // Each delivery fails and is retried later: all three stay unfinished through the round.
    script.addAll(List.of(500, 500, 500));
    writes.runOnce();
    assertThat(meters.get("stripe.edge.async.lane.depth").tag("lane", "critical").gauge().value())
        .isEqualTo(2.0);
    assertThat(
            meters
                .get("stripe.edge.async.lane.oldest.seconds")
                .tag("lane", "background")
                .gauge()
                .value())
        .isEqualTo(60.0);
    assertThat(meters.get("stripe.edge.async.lane.depth").tag("lane", "normal").gauge().value())
        .isZero();
  }

  @Test
  void aClientErrorIsFinal() throws Exception {
    script.add(400);
    String id = accept(create());

    WriteStatus status = round(id);
    now = now.plusSeconds(600);
    round(id);

    assertThat(status.state()).isEqualTo(WriteState.FAILED);
    assertThat(status.resultStatus()).isEqualTo(400);
    assertThat(sent).hasSize(1);
  }

  @Test
  void aWriteIsDeadAfterItsAttemptsAndCanBeRequeuedWithTheSameKey() throws Exception {
    script.addAll(List.of(503, 503, 503));
    String id = accept(create());
    for (int i = 0; i < 3; i++) {
      round(id);
      now = now.plusSeconds(600);
    }
    WriteStatus dead = queue.status(id).orElseThrow();
    assertThat(dead.state()).isEqualTo(WriteState.DEAD);
    assertThat(dead.reason()).contains("HTTP 503 after 3 attempts");

    assertThat(writes.requeue(id)).isTrue();
    WriteStatus again = round(id);

    assertThat(again.state()).isEqualTo(WriteState.SUCCEEDED);
    assertThat(sent)
        .extracting(r -> r.header("idempotency-key"))
        .containsOnly(dead.idempotencyKey());
  }

  @Test
  void aClientsOwnKeyIsKeptAndADeleteGetsOne() throws Exception {
    String keyed = accept(create().withHeader("Idempotency-Key", "mine"));
    String delete =
        accept(
            EdgeRequest.of("DELETE", "/v1/products/prod_1", "")
                .withHeader("Authorization", "Bearer sk_test_unit")
                .withHeader("Prefer", "respond-async"));

    assertThat(queue.status(keyed).orElseThrow().idempotencyKey()).isEqualTo("mine");
    assertThat(queue.status(delete).orElseThrow().idempotencyKey()).isNotBlank();
  }

  @Test
  void theStatusAnswersOnlyTheWritersKey() throws Exception {
    String id = accept(create());

    assertThat(writes.status(id, "Bearer sk_test_unit").status()).isEqualTo(200);
    assertThat(writes.status(id, "Bearer sk_test_other").status()).isEqualTo(404);
    assertThat(writes.status(id, null).status()).isEqualTo(404);
    assertThat(writes.status("aw_missing", "Bearer sk_test_unit").status()).isEqualTo(404);
  }

  @Test
  void writesWithoutThePreferenceStaySynchronous() {
    assertThat(writes.offer(EdgeRequest.of("POST", "/v1/customers", ""))).isNull();
  }

  @Test
  void finishedWritesArePurgedAfterTheRetention() throws Exception {
    String id = accept(create());
    round(id);

    now = now.plus(Duration.ofHours(24)).plusSeconds(61);
    writes.runOnce();

    assertThat(queue.status(id)).isEmpty();
  }

  @Test
  void aFailedCallbackIsRetriedWithBackoffThenDeliveredSigned() throws Exception {
    Queue<Integer> answers = new ConcurrentLinkedQueue<>(List.of(500, 200));
    List<String> signatures = new CopyOnWriteArrayList<>();
    List<String> payloads = new CopyOnWriteArrayList<>();
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/done",
        exchange -> {
          payloads.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          signatures.add(exchange.getRequestHeaders().getFirst("Stripe-Signature"));
          Integer status = answers.poll();
          exchange.sendResponseHeaders(status == null ? 200 : status, -1);
          exchange.close();
        });
    app.start();
    try {
      start(
          AsyncWriteConfig.defaults().toBuilder()
              .callbackSecret("whsec_unit")
              .callbackHosts(List.of("127.0.0.1"))
              .build());
      String id =
          accept(
              create()
                  .withHeader(
                      "Stripe-Edge-Callback",
                      "http://127.0.0.1:" + app.getAddress().getPort() + "/done"));
      round(id);

      writes.runOnce(); // the callback's first attempt: 500
      awaitCallbacks("retried", 1);
      writes.runOnce(); // not due again yet
      assertThat(signatures).hasSize(1);
      now = now.plus(Duration.ofMinutes(5)).plusSeconds(1);
      writes.runOnce();
      awaitCallbacks("delivered", 1);

      assertThat(signatures)
          .hasSize(2)
          .allMatch(header -> header.matches("t=\\d+,v1=[0-9a-f]{64}"));
      // The result is stored sealed; the callback carries it opened.
      assertThat(payloads).allMatch(payload -> payload.contains("{\"id\":\"cus_1\"}"));
      assertThat(queue.dueCallbacks(now.plus(Duration.ofDays(1)), 10)).isEmpty();
    } finally {
      app.stop(0);
    }
  }

  /** Every byte SQLite wrote for the queue (the database, its WAL), as text. */
  private String queueFiles() throws Exception {
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        all.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
      }
    }
    return all.toString();
  }

  @Test
  void theQueueFileNeverHoldsTheApiKeyYetTheWorkerSendsIt() throws Exception {
    String id = accept(create());

    assertThat(queueFiles()).contains(id).doesNotContain("sk_test_");
    assertThat(new String(writes.list(WriteState.QUEUED, 10), StandardCharsets.UTF_8))
        .contains(id)
        .doesNotContainIgnoringCase("authorization")
        .doesNotContain("sk_test_");
    assertThat(round(id).state()).isEqualTo(WriteState.SUCCEEDED);
    assertThat(sent.get(0).header("authorization")).isEqualTo("Bearer sk_test_unit");
    assertThat(sent.get(0).headers().keySet()).noneMatch(name -> name.startsWith("stripe-edge-"));
    assertThat(writes.status(id, "Bearer sk_test_unit").status()).isEqualTo(200);
  }

  @Test
  void theQueueFileNeverHoldsTheBodyOrItsResultYetTheWorkerAndTheOwnerSeeThem() throws Exception {
    String form = "name=Jenny+MarkerQ7731&card%5Bnumber%5D=4242424242424242";
    String id =
        accept(
            new EdgeRequest(
                "POST",
                "/v1/customers",
                "email=MarkerQ7731%40example.com",
                Map.of(
                    "Authorization", List.of("Bearer sk_test_unit"),
                    "Prefer", List.of("respond-async")),
                form.getBytes(StandardCharsets.UTF_8)));

    assertThat(queueFiles()).contains(id).doesNotContain("MarkerQ7731", "4242424242424242");
    assertThat(round(id).state()).isEqualTo(WriteState.SUCCEEDED);
    assertThat(new String(sent.get(0).body(), StandardCharsets.UTF_8)).isEqualTo(form);
    assertThat(sent.get(0).rawQuery()).isEqualTo("email=MarkerQ7731%40example.com");
    assertThat(sent.get(0).headers().keySet()).noneMatch(name -> name.startsWith("stripe-edge-"));

    // Stripe's answer echoed the name: on disk only sealed, in the status for its owner in clear,
    // in the operators' list not at all.
    assertThat(queueFiles()).doesNotContain("MarkerQ7731", "4242424242424242");
    assertThat(writes.status(id, "Bearer sk_test_unit").bodyText()).contains("Jenny+MarkerQ7731");
    for (WriteState state : WriteState.values()) {
      assertThat(new String(writes.list(state, 10), StandardCharsets.UTF_8))
          .doesNotContain("MarkerQ7731");
    }
  }

  @Test
  void writesAcceptedAtOnceAreAllStoredUnderTheBound() throws Exception {
    start(AsyncWriteConfig.defaults().toBuilder().maxQueued(50).build());
    List<CompletableFuture<EdgeResponse>> answers = new java.util.ArrayList<>();
    try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<CompletableFuture<EdgeResponse>>> offered =
          new java.util.ArrayList<>();
      for (int i = 0; i < 120; i++) {
        offered.add(threads.submit(() -> writes.offer(create())));
      }
      for (var one : offered) {
        answers.add(one.get());
      }
    }
    List<Integer> statuses = new java.util.ArrayList<>();
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (CompletableFuture<EdgeResponse> answer : answers) {
      EdgeResponse response = answer.get();
      statuses.add(response.status());
      if (response.status() == 202) {
        ids.add(response.header("stripe-edge-write"));
      }
    }

    assertThat(statuses).containsOnly(202, 503);
    assertThat(ids).hasSize(50);
    assertThat(queue.counts()).containsEntry(WriteState.QUEUED, 50L);
    for (String id : ids) {
      assertThat(queue.status(id)).isPresent();
    }
  }

  @Test
  void aTamperedRecordFailsThatWriteClearlyAndTheWorkerGoesOn() throws Exception {
    String tampered = accept(create());
    String intact = accept(create());
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("edge.db"));
        PreparedStatement read =
            db.prepareStatement("SELECT headers FROM async_writes WHERE id = ?");
        PreparedStatement write =
            db.prepareStatement("UPDATE async_writes SET headers = ? WHERE id = ?")) {
      read.setString(1, tampered);
      ResultSet row = read.executeQuery();
      assertThat(row.next()).isTrue();
      String headers = row.getString(1);
      int at = headers.indexOf("stripe-edge-sealed: v1.") + 40;
      char flipped = headers.charAt(at) == 'A' ? 'B' : 'A';
      write.setString(1, headers.substring(0, at) + flipped + headers.substring(at + 1));
      write.setString(2, tampered);
      assertThat(write.executeUpdate()).isEqualTo(1);
    }

    WriteStatus ok = round(intact);
    WriteStatus failed = queue.status(tampered).orElseThrow();

    assertThat(failed.state()).isEqualTo(WriteState.FAILED);
    assertThat(failed.reason()).contains("edge_credentials_unreadable", "fail authentication");
    assertThat(failed.resultStatus()).isEqualTo(500);
    assertThat(failed.requestId()).isNull();
    assertThat(new String(failed.resultBody(), StandardCharsets.UTF_8))
        .contains("\"type\":\"api_error\"", "\"code\":\"edge_credentials_unreadable\"");
    assertThat(ok.state()).isEqualTo(WriteState.SUCCEEDED);
    assertThat(sent).hasSize(1);
  }

  @Test
  void aWriteSealedBeforeTheSecretChangedFailsNamingBothKeys() throws Exception {
    String id = accept(create());
    CredentialSeal rotated =
        CredentialSeal.derivedFrom(
            new byte[] {
              1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
              25, 26, 27, 28, 29, 30, 31, 32
            });
    start(AsyncWriteConfig.defaults().toBuilder().maxAttempts(3).build(), rotated);

    WriteStatus failed = round(id);

    assertThat(failed.state()).isEqualTo(WriteState.FAILED);
    assertThat(failed.reason()).contains(SEAL.keyId(), rotated.keyId());
    assertThat(sent).isEmpty();
  }

  private void awaitCallbacks(String outcome, double expected) throws InterruptedException {
    for (int i = 0; i < 1000; i++) {
      var counter = meters.find("stripe.edge.async.callbacks").tag("outcome", outcome).counter();
      if (counter != null && counter.count() >= expected) {
        return;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no " + outcome + " callback counted");
  }
}
