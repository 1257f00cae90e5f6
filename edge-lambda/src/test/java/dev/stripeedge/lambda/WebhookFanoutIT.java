package dev.stripeedge.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.stripe.net.Webhook;
import dev.stripeedge.queue.sqs.ElasticMq;
import dev.stripeedge.queue.sqs.SqsQueues;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** Accepted webhook events handed to the application through SQS (ElasticMQ), at least once. */
class WebhookFanoutIT {

  private static final String SECRET = "whsec_lambda_fanout";

  private static ElasticMq elasticMq;
  private static SqsClient sqs;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    elasticMq = ElasticMq.start();
    sqs = elasticMq.client();
    System.setProperty("aws.accessKeyId", "local");
    System.setProperty("aws.secretAccessKey", "local");
  }

  @AfterAll
  static void stop() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    sqs.close();
    elasticMq.close();
  }

  private EdgeLambda instance(String name, String queueUrl) {
    Map<String, String> env =
        Map.of(
            "STRIPE_EDGE_WEBHOOK_SECRETS",
            SECRET,
            "STRIPE_EDGE_WEBHOOK_QUEUE_URL",
            queueUrl,
            "STRIPE_EDGE_SQS_ENDPOINT",
            elasticMq.endpoint(),
            "AWS_REGION",
            "us-east-1");
    return EdgeLambda.of(
        LambdaSettings.load(env, Map.of("store.path", dir.resolve(name + ".db").toString())),
        null,
        1,
        env);
  }

  private static APIGatewayV2HTTPResponse deliver(EdgeLambda edge, String payload)
      throws Exception {
    long t = System.currentTimeMillis() / 1000;
    String signature =
        "t=" + t + ",v1=" + Webhook.Util.computeHmacSha256(SECRET, t + "." + payload);
    APIGatewayV2HTTPEvent event =
        AwsEvents.event(
            APIGatewayV2HTTPEvent.class,
            AwsEvents.json(
                "function-url-webhook.json",
                Map.of(
                    "path",
                    "/",
                    "method",
                    "POST",
                    "length",
                    String.valueOf(payload.getBytes(StandardCharsets.UTF_8).length),
                    "signature",
                    signature,
                    "requestId",
                    UUID.randomUUID().toString(),
                    "body",
                    payload,
                    "base64",
                    "false")));
    return new StripeWebhookHandler(edge).handleRequest(event, AwsEvents.context());
  }

  private static String event(String id) {
    return ("{\"id\":\"%s\",\"object\":\"event\",\"created\":%d,\"type\":\"customer.updated\","
            + "\"data\":{\"object\":{\"id\":\"cus_fan\",\"object\":\"customer\"}}}")
        .formatted(id, System.currentTimeMillis() / 1000);
  }

  private static List<Message> drain(String url) {
    List<Message> all = new ArrayList<>();
    for (int empty = 0; empty < 2; ) {
      List<Message> got =
          sqs.receiveMessage(
                  r ->
                      r.queueUrl(url)
                          .maxNumberOfMessages(10)
                          .messageAttributeNames("All")
                          .waitTimeSeconds(1))
              .messages();
      if (got.isEmpty()) {
        empty++;
      }
      for (Message m : got) {
        all.add(m);
        sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
      }
    }
    return all;
  }

  @Test
  void anEventDeliveredTwiceToTwoInstancesReachesTheFifoQueueOnceVerbatim() throws Exception {
    String url = SqsQueues.ensureFifoQueue(sqs, "lambda-webhooks.fifo");
    String payload = event("evt_fan_1");
    try (EdgeLambda a = instance("a", url);
        EdgeLambda b = instance("b", url)) {
      assertThat(deliver(a, payload).getStatusCode()).isEqualTo(200);
      assertThat(deliver(b, payload).getStatusCode()).isEqualTo(200);
    }
    List<Message> messages = drain(url);
    assertThat(messages).hasSize(1);
    assertThat(messages.get(0).body()).isEqualTo(payload);
    assertThat(messages.get(0).messageAttributes().get("stripe-event-id").stringValue())
        .isEqualTo("evt_fan_1");
  }

  @Test
  void aQueueThatCannotTakeItAnswers503AndStripesRetrySendsIt() throws Exception {
    String url = SqsQueues.ensureFifoQueue(sqs, "lambda-webhooks-later.fifo");
    String missing = url.replace("lambda-webhooks-later", "no-such-queue");
    String payload = event("evt_fan_2");
    try (EdgeLambda broken = instance("a", missing)) {
      APIGatewayV2HTTPResponse refused = deliver(broken, payload);
      assertThat(refused.getStatusCode()).isEqualTo(503);
      assertThat(refused.getBody()).contains("\"type\":\"api_error\"");
    }
    // Stripe retries; the event is a duplicate in the ledger (same store file) and is sent now.
    try (EdgeLambda fixed = instance("a", url)) {
      APIGatewayV2HTTPResponse accepted = deliver(fixed, payload);
      assertThat(accepted.getStatusCode()).isEqualTo(200);
      assertThat(accepted.getBody()).contains("duplicate_event");
    }
    assertThat(drain(url)).extracting(Message::body).containsExactly(payload);
  }
}
