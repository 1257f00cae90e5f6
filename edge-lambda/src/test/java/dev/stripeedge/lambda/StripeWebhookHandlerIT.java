package dev.stripeedge.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.stripe.StripeClient;
import com.stripe.model.Customer;
import com.stripe.net.Webhook;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerUpdateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.store.dynamodb.DynamoDbLocal;
import dev.stripeedge.testkit.Waits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stripe's deliveries to the webhook function through a Function URL, as AWS hands them over, on
 * two instances sharing one DynamoDB ledger and tier (DynamoDB Local), with the simulator as
 * Stripe. Signatures are made with stripe-java's own HMAC.
 */
class StripeWebhookHandlerIT {

  private static final String SECRET = "whsec_lambda_test_secret";
  private static final String API_KEY = "sk_test_lambda_webhooks";
  // The one cache-key secret of every instance sharing the DynamoDB tier.
  private static final String CACHE_KEY_SECRET =
      Base64.getEncoder()
          .encodeToString("lambda-test-cache-key-secret-32b".getBytes(StandardCharsets.UTF_8));

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static DynamoDbLocal dynamodb;

  @TempDir Path dir;

  private final List<EdgeLambda> edges = new ArrayList<>();

  @BeforeAll
  static void startDynamoDb(@TempDir Path tmp) throws Exception {
    dynamodb = DynamoDbLocal.inMemory();
    // The backends sign with AWS's default chain, as in Lambda; DynamoDB Local accepts any key.
    System.setProperty("aws.accessKeyId", "local");
    System.setProperty("aws.secretAccessKey", "local");
    createTables(tmp);
  }

  /**
   * The tables exist before the first test: the tier's setup has a 1 s client timeout, which a cold
   * DynamoDB Local on a busy machine can miss while creating a table.
   */
  private static void createTables(Path tmp) {
    StripeWebhookHandlerIT setup = new StripeWebhookHandlerIT();
    setup.dir = tmp;
    Waits.until(
        "the tables are created",
        () -> {
          try (EdgeLambda edge = setup.instance("setup")) {
            edge.runtime();
            return true;
          } catch (IllegalStateException e) {
            return false;
          }
        });
  }

  @AfterAll
  static void stopDynamoDb() throws Exception {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    dynamodb.close();
  }

  @AfterEach
  void closeEdges() {
    edges.forEach(EdgeLambda::close);
  }

  /** One function instance, configured as in AWS: environment variables only. */
  private EdgeLambda instance(String name) {
    Map<String, String> env = new HashMap<>();
    env.put("STRIPE_API_KEY", API_KEY);
    env.put("STRIPE_EDGE_UPSTREAM", sim.baseUrl());
    env.put("STRIPE_EDGE_WEBHOOK_SECRETS", SECRET);
    env.put("STRIPE_EDGE_EVENTS_TABLE", "lambda_events");
    env.put("STRIPE_EDGE_DYNAMODB_TABLE", "lambda_cache");
    env.put("STRIPE_EDGE_DYNAMODB_ENDPOINT", dynamodb.endpoint().toString());
    env.put("STRIPE_EDGE_DYNAMODB_CREATE_TABLES", "true");
    env.put("AWS_REGION", "us-east-1");
    env.put("STRIPE_EDGE_CACHE_KEY_SECRET", CACHE_KEY_SECRET);
    EdgeLambda edge =
        EdgeLambda.of(
            LambdaSettings.load(
                env,
                // Each instance its own /tmp; DynamoDB Local on a busy machine is slow.
                Map.of(
                    "store.path", dir.resolve(name + ".db").toString(),
                    "store.dynamodb.timeout", "10s",
                    "tiers.dynamodb.timeout", "5s")),
            API_KEY,
            name.hashCode());
    edges.add(edge);
    return edge;
  }

  private static APIGatewayV2HTTPEvent delivery(String payload, String signature) {
    return AwsEvents.event(
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
  }

  /** Stripe's signature header for {@code payload} now: {@code t=…,v1=HMAC-SHA256}. */
  private static String sign(String payload) throws Exception {
    long t = System.currentTimeMillis() / 1000;
    return "t=" + t + ",v1=" + Webhook.Util.computeHmacSha256(SECRET, t + "." + payload);
  }

  private static String event(String id, String type, String customerId, String name) {
    return """
        {"id":"%s","object":"event","api_version":"2025-10-29.clover","created":%d,\
        "data":{"object":{"id":"%s","object":"customer","name":"%s"}},"livemode":false,\
        "pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"%s"}"""
        .formatted(id, System.currentTimeMillis() / 1000, customerId, name, type);
  }

  private static APIGatewayV2HTTPResponse invoke(EdgeLambda edge, APIGatewayV2HTTPEvent event) {
    return new StripeWebhookHandler(edge).handleRequest(event, AwsEvents.context());
  }

  @Test
  void aDeliveryLandingOnTwoInstancesIsRecordedOnceAndAnsweredOnBoth() throws Exception {
    EdgeLambda a = instance("a");
    EdgeLambda b = instance("b");
    String payload = event("evt_lambda_once", "customer.updated", "cus_lambda_once", "Once");
    String signature = sign(payload);

    APIGatewayV2HTTPResponse first = invoke(a, delivery(payload, signature));
    APIGatewayV2HTTPResponse again = invoke(b, delivery(payload, signature));

    assertThat(first.getStatusCode()).isEqualTo(200);
    assertThat(first.getBody()).contains("\"recorded\":\"new\"");
    assertThat(again.getStatusCode()).isEqualTo(200);
    assertThat(again.getBody()).contains("\"recorded\":\"duplicate_event\"");
    // What the runtime would send back to API Gateway.
    assertThat(AwsEvents.answer(first)).contains("\"statusCode\":200");
  }

  @Test
  void concurrentDeliveriesAcrossTwoInstancesAreAppliedOnce() throws Exception {
    EdgeLambda a = instance("a");
    EdgeLambda b = instance("b");
    // Both warm first, so the race is between deliveries, not between table creations.
    String warm = event("evt_lambda_warm", "customer.updated", "cus_warm", "Warm");
    assertThat(invoke(a, delivery(warm, sign(warm))).getStatusCode()).isEqualTo(200);
    assertThat(invoke(b, delivery(warm, sign(warm))).getStatusCode()).isEqualTo(200);

    String payload = event("evt_lambda_race", "customer.updated", "cus_lambda_race", "Race");
    String signature = sign(payload);
    List<Future<APIGatewayV2HTTPResponse>> answers = new ArrayList<>();
    try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
      for (int i = 0; i < 8; i++) {
        EdgeLambda target = i % 2 == 0 ? a : b;
        Callable<APIGatewayV2HTTPResponse> call =
            () -> invoke(target, delivery(payload, signature));
        answers.add(threads.submit(call));
      }
    }
    int recordedNew = 0;
    for (Future<APIGatewayV2HTTPResponse> answer : answers) {
      APIGatewayV2HTTPResponse response = answer.get();
      assertThat(response.getStatusCode()).isEqualTo(200);
      if (response.getBody().contains("\"recorded\":\"new\"")) {
        recordedNew++;
      }
    }
    assertThat(recordedNew).isEqualTo(1);
  }

  @Test
  void aForgedStaleOrUnsignedDeliveryIsRefusedStripeShaped() throws Exception {
    EdgeLambda a = instance("a");
    String payload = event("evt_lambda_forged", "customer.updated", "cus_forged", "Forged");
    long old = System.currentTimeMillis() / 1000 - 3600;
    String stale =
        "t=" + old + ",v1=" + Webhook.Util.computeHmacSha256(SECRET, old + "." + payload);
    String forged = sign(payload.replace("Forged", "Other"));

    for (String signature : List.of(forged, stale, "")) {
      APIGatewayV2HTTPResponse refused = invoke(a, delivery(payload, signature));
      assertThat(refused.getStatusCode()).isEqualTo(400);
      assertThat(refused.getBody()).startsWith("{\"error\":{\"type\":\"invalid_request_error\"");
    }
    // A proper delivery of the same event afterwards is the first one recorded.
    assertThat(invoke(a, delivery(payload, sign(payload))).getBody())
        .contains("\"recorded\":\"new\"");
  }

  @Test
  void aBase64BodyIsVerifiedOnItsBytesAndAGetIsRefused() throws Exception {
    EdgeLambda a = instance("a");
    String payload = event("evt_lambda_b64", "customer.updated", "cus_b64", "Zoë");
    String encoded = Base64.getEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    APIGatewayV2HTTPEvent event =
        AwsEvents.event(
            APIGatewayV2HTTPEvent.class,
            AwsEvents.json(
                "function-url-webhook.json",
                Map.of(
                    "path",
                    "/webhooks/stripe",
                    "method",
                    "POST",
                    "length",
                    String.valueOf(payload.getBytes(StandardCharsets.UTF_8).length),
                    "signature",
                    sign(payload),
                    "requestId",
                    UUID.randomUUID().toString(),
                    "body",
                    encoded,
                    "base64",
                    "true")));
    assertThat(invoke(a, event).getStatusCode()).isEqualTo(200);

    APIGatewayV2HTTPEvent get =
        AwsEvents.event(
            APIGatewayV2HTTPEvent.class,
            AwsEvents.json(
                "function-url-webhook.json",
                Map.of(
                    "path", "/",
                    "method", "GET",
                    "length", "0",
                    "signature", "",
                    "requestId", UUID.randomUUID().toString(),
                    "body", "",
                    "base64", "false")));
    assertThat(invoke(a, get).getStatusCode()).isEqualTo(405);
  }

  @Test
  void aDeliveryToOneInstanceInvalidatesTheSharedTierForEveryOther() throws Exception {
    EdgeLambda a = instance("a");
    EdgeLambda b = instance("b");
    StripeClient viaA = a.client();
    String id =
        viaA.v1().customers().create(CustomerCreateParams.builder().setName("Old").build()).getId();
    viaA.v1().customers().retrieve(id);
    // The entry reaches the shared tier: a fresh instance is served it from DynamoDB.
    Waits.until(
        "the DynamoDB tier serves the customer",
        () -> {
          EdgeLambda probe = instance("probe" + System.nanoTime());
          try {
            return cacheStatus(probe.client().v1().customers().retrieve(id)).contains("hit");
          } finally {
            probe.close();
          }
        });

    // Stripe changes it (not through the edge), then tells instance b.
    StripeClient direct =
        StripeClient.builder().setApiKey(API_KEY).setApiBase(sim.baseUrl()).build();
    direct.v1().customers().update(id, CustomerUpdateParams.builder().setName("New").build());
    String payload = event("evt_lambda_changed", "customer.updated", id, "New");
    assertThat(invoke(b, delivery(payload, sign(payload))).getStatusCode()).isEqualTo(200);

    // Any other instance now reads the change, never the old entry from the shared tier.
    Customer seen = instance("c").client().v1().customers().retrieve(id);
    assertThat(seen.getName()).isEqualTo("New");
  }

  private static String cacheStatus(Customer customer) {
    return customer.getLastResponse().headers().firstValue("cache-status").orElse("<none>");
  }
}
