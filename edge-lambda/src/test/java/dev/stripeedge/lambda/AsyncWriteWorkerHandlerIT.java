package dev.stripeedge.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.queue.CredentialSeal;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.queue.sqs.ElasticMq;
import dev.stripeedge.queue.sqs.SqsQueues;
import dev.stripeedge.queue.sqs.SqsWorkQueue;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The SQS-triggered write worker: writes queued by the edge's own SQS work queue on ElasticMQ,
 * received from it, handed to the handler as the SQS event AWS's poller sends (deserialized by
 * AWS's serializer), applied against the simulator; duplicates across two instances replay.
 */
class AsyncWriteWorkerHandlerIT {

  private static final String API_KEY = "sk_test_lambda_worker";

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  /** A Stripe that answers every request 503: writes to it must be delivered again. */
  @RegisterExtension
  static StripeSimExtension down =
      new StripeSimExtension(
          SimConfig.forTests()
              .withLimits(SimConfig.Limits.off())
              .withFaults(
                  List.of(
                      new SimConfig.FaultRule(SimConfig.FaultKind.ERROR_503, 1.0, null, null))));

  private static ElasticMq elasticMq;
  private static SqsClient sqs;

  @TempDir Path dir;

  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void startElasticMq() {
    elasticMq = ElasticMq.start();
    sqs = elasticMq.client();
  }

  @AfterAll
  static void stopElasticMq() {
    sqs.close();
    elasticMq.close();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private static final byte[] EDGE_SECRET =
      "lambda-worker-cache-key-secret!!".getBytes(StandardCharsets.UTF_8);

  private EdgeLambda instance(String name, String upstream) {
    return instance(name, upstream, EDGE_SECRET);
  }

  private EdgeLambda instance(String name, String upstream, byte[] secret) {
    Map<String, String> env = new HashMap<>();
    env.put("STRIPE_EDGE_UPSTREAM", upstream);
    env.put("STRIPE_EDGE_CACHE_KEY_SECRET", java.util.Base64.getEncoder().encodeToString(secret));
    EdgeLambda edge =
        EdgeLambda.of(
            LambdaSettings.load(env, Map.of("store.path", dir.resolve(name + ".db").toString())),
            null,
            name.hashCode());
    closing.add(edge);
    return edge;
  }

  /** A FIFO queue of its own, and the edge's SQS work queue on it (as the accepting edge has). */
  private SqsWorkQueue queue(String name) {
    String url = SqsQueues.ensureFifoQueue(sqs, name + ".fifo");
    SqsWorkQueue queue =
        SqsWorkQueue.over(
            elasticMq.client(), url, SqliteWorkQueue.open(dir.resolve(name + "-q.db")), true);
    closing.add(queue);
    return queue;
  }

  private static QueuedWrite write(String path, String body, String key, String orderKey) {
    EdgeRequest request =
        new EdgeRequest(
            "POST",
            path,
            "",
            Map.of(
                "authorization", List.of("Bearer " + API_KEY),
                "content-type", List.of("application/x-www-form-urlencoded"),
                "idempotency-key", List.of(key)),
            body.getBytes(StandardCharsets.UTF_8));
    // Sealed as the accepting edge stores it: the message never holds the key.
    return CredentialSeal.derivedFrom(EDGE_SECRET)
        .seal(
            new QueuedWrite(
                "w_" + UUID.randomUUID().toString().replace("-", ""),
                request,
                orderKey,
                null,
                Instant.now()));
  }

  /** What AWS's poller would hand over for {@code messages}, as JSON, through AWS's serializer. */
  private static SQSEvent event(String queueName, List<Message> messages, int receiveCount) {
    StringJoiner records = new StringJoiner(",", "{\"Records\":[", "]}");
    for (Message message : messages) {
      records.add(
          AwsEvents.json(
              "sqs-fifo-record.json",
              Map.of(
                  "messageId", message.messageId(),
                  "receiptHandle", message.receiptHandle(),
                  "body", message.body(),
                  "receiveCount", String.valueOf(receiveCount),
                  "group",
                      message
                          .attributes()
                          .getOrDefault(MessageSystemAttributeName.MESSAGE_GROUP_ID, "g"),
                  "dedup",
                      message
                          .attributes()
                          .getOrDefault(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID, "d"),
                  "md5", message.md5OfBody(),
                  "queueName", queueName + ".fifo")));
    }
    return AwsEvents.event(SQSEvent.class, records.toString());
  }

  private static List<Message> receive(String queueName, int count) {
    String url = sqs.getQueueUrl(r -> r.queueName(queueName + ".fifo")).queueUrl();
    List<Message> got = new ArrayList<>();
    for (int tries = 0; got.size() < count && tries < 20; tries++) {
      got.addAll(
          sqs.receiveMessage(
                  r ->
                      r.queueUrl(url)
                          .maxNumberOfMessages(Math.min(10, count - got.size()))
                          .messageSystemAttributeNamesWithStrings("All")
                          .waitTimeSeconds(1))
              .messages());
    }
    assertThat(got).hasSize(count);
    return got;
  }

  private static long simCount(StripeSimExtension which, String key) {
    return which.sim().counters().getOrDefault(key, 0L);
  }

  private static List<String> failed(SQSBatchResponse response) {
    return response.getBatchItemFailures().stream()
        .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .toList();
  }

  @Test
  void aBatchIsAppliedOnceAndARedeliveryToAnotherInstanceReplaysUnderTheSameKeys() {
    SqsWorkQueue queue = queue("lambda-batch");
    for (int i = 0; i < 3; i++) {
      queue.enqueue(
          write("/v1/customers", "name=Queued" + i, "lambda-key-" + UUID.randomUUID(), "o" + i),
          100);
    }
    SQSEvent batch = event("lambda-batch", receive("lambda-batch", 3), 1);
    long created = simCount(sim, "POST /v1/customers 200");
    long replayed = simCount(sim, "POST /v1/customers 200 replayed");

    SQSBatchResponse first =
        new AsyncWriteWorkerHandler(instance("a", sim.baseUrl()))
            .handleRequest(batch, AwsEvents.context());
    // The same batch again, on another instance: SQS delivers at least once.
    SQSBatchResponse again =
        new AsyncWriteWorkerHandler(instance("b", sim.baseUrl()))
            .handleRequest(batch, AwsEvents.context());

    assertThat(failed(first)).isEmpty();
    assertThat(failed(again)).isEmpty();
    assertThat(simCount(sim, "POST /v1/customers 200") - created).isEqualTo(3);
    assertThat(simCount(sim, "POST /v1/customers 200 replayed") - replayed).isEqualTo(3);
    assertThat(AwsEvents.answer(first)).contains("batchItemFailures");
  }

  @Test
  void aFailureFailsItselfAndEverythingAfterItOnAFifoQueueAndNothingBefore() {
    SqsWorkQueue queue = queue("lambda-partial");
    queue.enqueue(write("/v1/customers", "name=Before", "k-" + UUID.randomUUID(), "same"), 100);
    String url = sqs.getQueueUrl(r -> r.queueName("lambda-partial.fifo")).queueUrl();
    // Someone else's message on the queue, then another write of ours.
    sqs.sendMessage(
        r ->
            r.queueUrl(url)
                .messageBody("not a write")
                .messageGroupId("other")
                .messageDeduplicationId("other-1"));
    queue.enqueue(write("/v1/customers", "name=After", "k-" + UUID.randomUUID(), "later"), 100);
    // In the batch: the first write, the stranger, the second write (SQS orders within a group).
    List<Message> messages = new ArrayList<>(receive("lambda-partial", 3));
    messages.sort(
        java.util.Comparator.comparingInt(
            (Message m) ->
                m.body().equals("not a write")
                    ? 1
                    // The body is sealed in the message: told apart by the order key.
                    : SqsWorkQueue.decodeMessage(m.body()).orderKey().equals("same") ? 0 : 2));
    long created = simCount(sim, "POST /v1/customers 200");

    SQSBatchResponse response =
        new AsyncWriteWorkerHandler(instance("a", sim.baseUrl()))
            .handleRequest(event("lambda-partial", messages, 1), AwsEvents.context());

    assertThat(failed(response))
        .containsExactly(messages.get(1).messageId(), messages.get(2).messageId());
    assertThat(simCount(sim, "POST /v1/customers 200") - created).isEqualTo(1);
  }

  @Test
  void aWriteSealedUnderAnotherSecretIsNeverSentAndKeptForTheDeadLetterQueue() {
    SqsWorkQueue queue = queue("lambda-sealed");
    queue.enqueue(write("/v1/customers", "name=Sealed", "k-" + UUID.randomUUID(), "s"), 100);
    List<Message> messages = receive("lambda-sealed", 1);
    assertThat(SqsWorkQueue.decodeMessage(messages.get(0).body()).request().header("authorization"))
        .isNull();
    long created = simCount(sim, "POST /v1/customers 200");

    SQSBatchResponse response =
        new AsyncWriteWorkerHandler(
                instance(
                    "other",
                    sim.baseUrl(),
                    "another-edges-cache-key-secret!!".getBytes(StandardCharsets.UTF_8)))
            .handleRequest(event("lambda-sealed", messages, 1), AwsEvents.context());

    assertThat(failed(response)).containsExactly(messages.get(0).messageId());
    assertThat(simCount(sim, "POST /v1/customers 200")).isEqualTo(created);
  }

  @Test
  void aWriteStripeRefusesForGoodIsConsumed() {
    SqsWorkQueue queue = queue("lambda-refused");
    queue.enqueue(
        write("/v1/customers/cus_missing", "name=Nobody", "k-" + UUID.randomUUID(), "x"), 100);
    long notFound = simCount(sim, "POST /v1/customers/{id} 404");

    SQSBatchResponse response =
        new AsyncWriteWorkerHandler(instance("a", sim.baseUrl()))
            .handleRequest(
                event("lambda-refused", receive("lambda-refused", 1), 1), AwsEvents.context());

    assertThat(failed(response)).isEmpty();
    assertThat(simCount(sim, "POST /v1/customers/{id} 404") - notFound).isEqualTo(1);
  }

  @Test
  void aWriteStripeCannotTakeNowIsDeliveredAgainUntilItsLastAttempt() {
    SqsWorkQueue queue = queue("lambda-down");
    queue.enqueue(write("/v1/customers", "name=Later", "k-" + UUID.randomUUID(), "y"), 100);
    List<Message> messages = receive("lambda-down", 1);
    EdgeLambda edge = instance("a", down.baseUrl());
    AsyncWriteWorkerHandler handler = new AsyncWriteWorkerHandler(edge);
    int last = edge.settings().asyncWrites().maxAttempts();

    SQSBatchResponse first =
        handler.handleRequest(event("lambda-down", messages, 1), AwsEvents.context());
    SQSBatchResponse lastTry =
        handler.handleRequest(event("lambda-down", messages, last), AwsEvents.context());

    assertThat(failed(first)).containsExactly(messages.get(0).messageId());
    // Dead after its attempts: consumed (and logged), not redelivered for ever.
    assertThat(failed(lastTry)).isEmpty();
    assertThat(simCount(down, "POST /v1/customers 503")).isPositive();
  }
}
