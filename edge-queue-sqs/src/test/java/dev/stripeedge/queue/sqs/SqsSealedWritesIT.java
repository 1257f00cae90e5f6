package dev.stripeedge.queue.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.queue.CredentialSeal;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import dev.stripeedge.testkit.Waits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * What travels through SQS holds no API key and no form data: a write accepted over the SQS queue
 * is read back straight from ElasticMQ, as any holder of queue read rights could, and neither its
 * body nor any base64 field in it contains the key, the form body's values or the query; the worker
 * still sends the write with them.
 */
class SqsSealedWritesIT {

  private static final String KEY = "Bearer sk_test_51SqsMustNotSeeThis";
  private static final String MARKER = "MarkerS9402";
  private static final String CARD = "4000056655665556";
  private static final String FORM = "name=Jenny+" + MARKER + "&card%5Bnumber%5D=" + CARD;

  @Test
  void theMessageBodyHoldsNoKeyAndTheWorkerSendsIt() throws Exception {
    List<EdgeRequest> sent = new CopyOnWriteArrayList<>();
    EdgePipeline pipeline =
        new EdgePipeline() {
          @Override
          public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
            sent.add(request);
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
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    Instant now = Instant.parse("2026-12-07T12:00:00Z");
    try (ElasticMq server = ElasticMq.start();
        SqsClient reader = server.client()) {
      String url = SqsQueues.ensureFifoQueue(reader, "sealed-" + UUID.randomUUID() + ".fifo");
      SqsWorkQueue queue =
          SqsWorkQueue.over(
              server.client(),
              url,
              SqliteWorkQueue.open(Files.createTempDirectory("sqs-sealed").resolve("edge.db")),
              true);
      try (queue;
          AsyncWrites writes =
              AsyncWrites.over(
                  pipeline,
                  queue,
                  CredentialSeal.derivedFrom(secret),
                  AsyncWriteConfig.defaults(),
                  Clock.fixed(now, ZoneOffset.UTC),
                  new SecureRandom(),
                  new SimpleMeterRegistry())) {
        EdgeResponse accepted =
            writes
                .offer(
                    new EdgeRequest(
                        "POST",
                        "/v1/customers",
                        "email=" + MARKER + "%40example.com",
                        Map.of("Authorization", List.of(KEY), "Prefer", List.of("respond-async")),
                        FORM.getBytes(StandardCharsets.UTF_8)))
                .get();
        assertThat(accepted.status()).as(accepted.bodyText()).isEqualTo(202);
        String id = accepted.header("stripe-edge-write");

        List<Message> messages =
            reader
                .receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                .messages();
        assertThat(messages).hasSize(1);
        String body = messages.get(0).body();
        assertThat(body).doesNotContain("sk_test_", MARKER, CARD);
        StringBuilder decoded = new StringBuilder();
        for (String field : body.split("\n")) {
          try {
            decoded.append(new String(Base64.getDecoder().decode(field), StandardCharsets.UTF_8));
          } catch (IllegalArgumentException notBase64) {
            decoded.append(field);
          }
        }
        assertThat(decoded.toString())
            .contains("stripe-edge-sealed: v1.")
            .doesNotContain("sk_test_", MARKER, CARD)
            .doesNotContainIgnoringCase("authorization");
        // Given back, so the edge's worker receives it.
        reader.changeMessageVisibility(
            r ->
                r.queueUrl(url)
                    .receiptHandle(messages.get(0).receiptHandle())
                    .visibilityTimeout(0));

        Waits.until(
            "the write applied",
            () -> {
              writes.runOnce();
              return queue.status(id).orElseThrow().state() == WriteState.SUCCEEDED;
            });
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).header("authorization")).isEqualTo(KEY);
        assertThat(new String(sent.get(0).body(), StandardCharsets.UTF_8)).isEqualTo(FORM);
        assertThat(sent.get(0).rawQuery()).isEqualTo("email=" + MARKER + "%40example.com");
      }
    }
  }
}
