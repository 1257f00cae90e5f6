package dev.stripeedge.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.queue.sqs.ElasticMq;
import dev.stripeedge.runtime.EdgeRuntime;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.RedisServerExtension;
import dev.stripeedge.testkit.Waits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Edges on one SQS queue (ElasticMQ) with one Redis event store: a write one edge accepted and
 * another applied — or the Lambda worker applied — answers {@code /edge/writes/{id}} on every edge,
 * the ones that never saw it included, and the accepting edge's own record settles.
 */
class SharedWriteStatusIT {

  private static final String KEY = "Bearer sk_test_shared_status";

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static ElasticMq elasticMq;
  private static SqsClient sqs;

  @TempDir Path dir;

  private final String prefix = "shared-" + UUID.randomUUID() + ":";
  private final String queueName = "shared-" + UUID.randomUUID() + ".fifo";

  @BeforeAll
  static void start() {
    // The SDK's credential chain, for ElasticMQ (which checks none).
    System.setProperty("aws.accessKeyId", "local");
    System.setProperty("aws.secretAccessKey", "local");
    elasticMq = ElasticMq.start();
    sqs = elasticMq.client();
  }

  @AfterAll
  static void stop() {
    sqs.close();
    elasticMq.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  private Map<String, Object> fleet(String name) {
    Map<String, Object> values = new HashMap<>();
    values.put("upstream", sim.baseUrl());
    values.put("store.path", dir.resolve(name + ".db").toString());
    values.put("store.backend", "redis");
    values.put("store.redis.uris", List.of(redis.uri()));
    values.put("store.redis.keyPrefix", prefix);
    values.put("store.redis.timeout", "5s");
    // One secret for the fleet and the worker function: each seals or opens what the others did.
    values.put(
        "cacheKeySecret",
        java.util.Base64.getEncoder()
            .encodeToString("shared-status-fleet-secret-32-by".getBytes(StandardCharsets.UTF_8)));
    values.put("asyncWrites.queue", "sqs");
    values.put(
        "asyncWrites.queueOptions",
        Map.of("queueName", queueName, "endpoint", elasticMq.endpoint(), "region", "us-east-1"));
    return values;
  }

  /**
   * An edge of the fleet; {@code applies} false: its workers look once an hour (it only accepts).
   */
  private EdgeRuntime edge(String name, boolean applies) {
    Map<String, Object> values = fleet(name);
    if (!applies) {
      values.put("asyncWrites.pollInterval", "1h");
    }
    return EdgeRuntime.start(EdgeSettings.defaults().with(values), new SimpleMeterRegistry());
  }

  private static String accept(EdgeRuntime edge, String name) throws Exception {
    EdgeResponse answer =
        writes(edge)
            .offer(
                new EdgeRequest(
                    "POST",
                    "/v1/customers",
                    "",
                    Map.of(
                        "Authorization", List.of(KEY),
                        "Prefer", List.of("respond-async"),
                        "Content-Type", List.of("application/x-www-form-urlencoded")),
                    ("name=" + name).getBytes(StandardCharsets.UTF_8)))
            .get();
    assertThat(answer.status()).as(answer.bodyText()).isEqualTo(202);
    return answer.header("stripe-edge-write");
  }

  private static AsyncWrites writes(EdgeRuntime edge) {
    AsyncWrites writes = edge.asyncWrites();
    assertThat(writes).isNotNull();
    return writes;
  }

  private static String status(EdgeRuntime edge, String id) {
    EdgeResponse answer = writes(edge).status(id, KEY);
    return answer.status() == 200 ? answer.bodyText() : "HTTP " + answer.status();
  }

  @Test
  void aWriteAppliedByAnotherEdgeAnswersOnEveryEdge() throws Exception {
    try (EdgeRuntime accepting = edge("accepting", false);
        EdgeRuntime applying = edge("applying", true);
        EdgeRuntime bystander = edge("bystander", false)) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        ids.add(accept(accepting, "SharedMarker" + i));
      }
      // Queued, as every edge sees it, before any is applied... or already further along.
      assertThat(status(bystander, ids.get(0))).contains("\"id\":\"" + ids.get(0) + "\"");

      for (String id : ids) {
        Waits.until(
            "write " + id + " succeeded, seen from an edge that never held it",
            Duration.ofSeconds(60),
            () -> status(bystander, id).contains("\"state\":\"succeeded\""));
      }
      for (int i = 0; i < ids.size(); i++) {
        for (EdgeRuntime edge : List.of(accepting, applying, bystander)) {
          assertThat(status(edge, ids.get(i)))
              .contains("\"state\":\"succeeded\"", "\"name\":\"SharedMarker" + i + "\"");
        }
        // Another key is still refused everywhere.
        assertThat(writes(bystander).status(ids.get(i), "Bearer sk_test_other").status())
            .isEqualTo(404);
      }
      // The accepting edge's own records took the outcome: nothing left unfinished there.
      Map<WriteState, Long> counts = writes(accepting).queue().counts();
      assertThat(counts.get(WriteState.QUEUED) + counts.get(WriteState.IN_FLIGHT)).isZero();
      assertThat(counts.get(WriteState.SUCCEEDED)).isEqualTo(ids.size());
      // Exactly once at Stripe: one customer per write, whichever edge applied it.
      String customers =
          applying
              .pipeline()
              .handle(
                  EdgeRequest.of("GET", "/v1/customers", "limit=100")
                      .withHeader("Authorization", KEY))
              .get()
              .bodyText();
      for (int i = 0; i < ids.size(); i++) {
        assertThat(customers.split("\"SharedMarker" + i + "\"", -1)).hasSize(2);
      }
    }
  }

  @Test
  void aWriteTheLambdaWorkerAppliedAnswersOnTheEdges() throws Exception {
    try (EdgeRuntime accepting = edge("accepting", false);
        EdgeRuntime bystander = edge("bystander", false)) {
      String id = accept(accepting, "LambdaMarker");

      Map<String, Object> worker = fleet("worker");
      worker.put("asyncWrites.enabled", false);
      Map<String, String> env = Map.of("STRIPE_EDGE_UPSTREAM", sim.baseUrl());
      try (EdgeLambda lambda = EdgeLambda.of(LambdaSettings.load(env, worker), null, 7)) {
        String url = sqs.getQueueUrl(r -> r.queueName(queueName)).queueUrl();
        List<Message> got = new ArrayList<>();
        Waits.until(
            "the write's message",
            () -> {
              got.addAll(
                  sqs.receiveMessage(
                          r ->
                              r.queueUrl(url)
                                  .maxNumberOfMessages(1)
                                  .messageSystemAttributeNamesWithStrings("All")
                                  .waitTimeSeconds(1))
                      .messages());
              return !got.isEmpty();
            });
        SQSEvent event = new SQSEvent();
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(got.get(0).messageId());
        message.setBody(got.get(0).body());
        message.setAttributes(Map.of("ApproximateReceiveCount", "1"));
        message.setEventSourceArn("arn:aws:sqs:us-east-1:000000000000:" + queueName);
        event.setRecords(List.of(message));

        SQSBatchResponse response = new AsyncWriteWorkerHandler(lambda).handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).isEmpty();
      }
      for (EdgeRuntime edge : List.of(accepting, bystander)) {
        assertThat(status(edge, id))
            .contains("\"state\":\"succeeded\"", "\"name\":\"LambdaMarker\"", "\"attempts\":1");
      }
    }
  }
}
