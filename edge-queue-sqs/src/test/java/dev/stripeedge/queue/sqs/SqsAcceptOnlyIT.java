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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * {@code asyncWrites.poll: false}, the accepting function in Lambda: the write is accepted onto a
 * real SQS queue (ElasticMQ) and this edge's worker rounds leave it there, for the process that
 * applies writes (the SQS-triggered worker function), which receives it untouched.
 */
class SqsAcceptOnlyIT {

  @Test
  void anAcceptingOnlyEdgeEnqueuesAndNeverReceives() throws Exception {
    AtomicInteger applied = new AtomicInteger();
    EdgePipeline pipeline =
        new EdgePipeline() {
          @Override
          public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
            applied.incrementAndGet();
            return CompletableFuture.completedFuture(
                new EdgeResponse(200, Map.of(), "{}".getBytes(StandardCharsets.UTF_8)));
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
    AsyncWriteConfig acceptOnly = AsyncWriteConfig.defaults().toBuilder().poll(false).build();
    try (ElasticMq server = ElasticMq.start();
        SqsClient worker = server.client()) {
      String url = SqsQueues.ensureFifoQueue(worker, "accept-" + UUID.randomUUID() + ".fifo");
      SqsWorkQueue queue =
          SqsWorkQueue.over(
              server.client(),
              url,
              SqliteWorkQueue.open(Files.createTempDirectory("sqs-accept").resolve("edge.db")),
              true);
      try (queue;
          AsyncWrites writes =
              AsyncWrites.over(
                  pipeline,
                  queue,
                  CredentialSeal.derivedFrom(secret),
                  acceptOnly,
                  Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC),
                  new SecureRandom(),
                  new SimpleMeterRegistry())) {
        EdgeResponse accepted =
            writes
                .offer(
                    EdgeRequest.of("POST", "/v1/customers", "")
                        .withHeader("Authorization", "Bearer sk_test_accept")
                        .withHeader("Prefer", "respond-async"))
                .get();
        assertThat(accepted.status()).as(accepted.bodyText()).isEqualTo(202);
        String id = accepted.header("stripe-edge-write");

        for (int round = 0; round < 3; round++) {
          writes.runOnce();
        }

        assertThat(applied).hasValue(0);
        assertThat(queue.status(id).orElseThrow().state()).isEqualTo(WriteState.QUEUED);
        // Still visible: a poll would have hidden it for the visibility timeout (2 min).
        List<Message> received =
            worker
                .receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                .messages();
        assertThat(received).hasSize(1);
        assertThat(SqsWorkQueue.decodeMessage(received.get(0).body()).id()).isEqualTo(id);
      }
    }
  }
}
