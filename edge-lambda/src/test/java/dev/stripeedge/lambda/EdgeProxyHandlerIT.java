package dev.stripeedge.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.Waits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy behind an HTTP API or Function URL, invoked with the events AWS sends for a Stripe
 * SDK's requests (a form body arrives in base64), against the simulator.
 */
class EdgeProxyHandlerIT {

  private static final String API_KEY = "sk_test_lambda_proxy";

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @TempDir Path dir;

  private EdgeLambda edge;
  private EdgeProxyHandler handler;

  @BeforeEach
  void start() {
    edge =
        EdgeLambda.of(
            LambdaSettings.load(
                Map.of("STRIPE_EDGE_UPSTREAM", sim.baseUrl()),
                // Off by default in a function (LambdaSettings): this one accepts them.
                Map.of(
                    "store.path", dir.resolve("edge.db").toString(), "asyncWrites.enabled", true)),
            null,
            7);
    handler = new EdgeProxyHandler(edge);
  }

  @AfterEach
  void stop() {
    edge.close();
  }

  private APIGatewayV2HTTPResponse call(
      String method, String path, String query, String body, boolean base64) {
    String sent =
        base64 ? Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)) : body;
    APIGatewayV2HTTPEvent event =
        AwsEvents.event(
            APIGatewayV2HTTPEvent.class,
            AwsEvents.json(
                "http-api-proxy.json",
                Map.of(
                    "path", path,
                    "query", query,
                    "method", method,
                    "apiKey", API_KEY,
                    "length", String.valueOf(body.getBytes(StandardCharsets.UTF_8).length),
                    "requestId", UUID.randomUUID().toString(),
                    "body", sent,
                    "base64", String.valueOf(base64))));
    return handler.handleRequest(event, AwsEvents.context());
  }

  @Test
  void aCreateAndTwoRetrievesGoThroughTheEdgeAndTheSecondIsAHit() throws Exception {
    APIGatewayV2HTTPResponse created =
        call("POST", "/v1/customers", "", "name=Proxied&email=p%40example.com", true);
    assertThat(created.getStatusCode()).isEqualTo(200);
    assertThat(created.getIsBase64Encoded()).isFalse();
    String id = new ObjectMapper().readTree(created.getBody()).path("id").asText();
    assertThat(id).startsWith("cus_");
    assertThat(created.getBody()).contains("\"email\":\"p@example.com\"");

    APIGatewayV2HTTPResponse first = call("GET", "/v1/customers/" + id, "", "", false);
    APIGatewayV2HTTPResponse second = call("GET", "/v1/customers/" + id, "", "", false);

    assertThat(first.getStatusCode()).isEqualTo(200);
    assertThat(second.getStatusCode()).isEqualTo(200);
    assertThat(second.getHeaders().get("cache-status")).contains("hit");
    assertThat(new ObjectMapper().readTree(second.getBody()).path("name").asText())
        .isEqualTo("Proxied");
    // What the runtime would return to API Gateway.
    assertThat(AwsEvents.answer(second)).contains("\"statusCode\":200");
  }

  @Test
  void stripesOwnErrorsPassThroughAndTheEdgesAreStripeShaped() {
    APIGatewayV2HTTPResponse missing = call("GET", "/v1/customers/cus_nope", "", "", false);
    assertThat(missing.getStatusCode()).isEqualTo(404);
    assertThat(missing.getBody()).contains("resource_missing");

    APIGatewayV2HTTPResponse elsewhere = call("GET", "/admin", "", "", false);
    assertThat(elsewhere.getStatusCode()).isEqualTo(404);
    assertThat(elsewhere.getBody()).startsWith("{\"error\":{\"type\":\"invalid_request_error\"");

    APIGatewayV2HTTPEvent broken =
        AwsEvents.event(
            APIGatewayV2HTTPEvent.class,
            AwsEvents.json(
                "http-api-proxy.json",
                Map.of(
                    "path", "/v1/customers",
                    "query", "",
                    "method", "POST",
                    "apiKey", API_KEY,
                    "length", "3",
                    "requestId", UUID.randomUUID().toString(),
                    "body", "%%%",
                    "base64", "true")));
    APIGatewayV2HTTPResponse refused = handler.handleRequest(broken, AwsEvents.context());
    assertThat(refused.getStatusCode()).isEqualTo(400);
    assertThat(refused.getBody()).contains("invalid_request_error");
  }

  @Test
  void anAsynchronousWriteIsAcceptedAndItsStatusServedByTheSameFunction() throws Exception {
    APIGatewayV2HTTPEvent async =
        AwsEvents.event(
            APIGatewayV2HTTPEvent.class,
            AwsEvents.json(
                    "http-api-proxy.json",
                    Map.of(
                        "path", "/v1/customers",
                        "query", "",
                        "method", "POST",
                        "apiKey", API_KEY,
                        "length", "10",
                        "requestId", UUID.randomUUID().toString(),
                        "body", "name=Later",
                        "base64", "false"))
                .replace("\"accept\": \"application/json\",", "\"prefer\": \"respond-async\","));
    APIGatewayV2HTTPResponse accepted = handler.handleRequest(async, AwsEvents.context());
    assertThat(accepted.getStatusCode()).isEqualTo(202);
    String id = accepted.getHeaders().get("stripe-edge-write");
    assertThat(id).isNotBlank();

    Waits.until(
        "the write is applied",
        () -> call("GET", "/edge/writes/" + id, "", "", false).getBody().contains("succeeded"));
    assertThat(call("GET", "/edge/writes/w_unknown", "", "", false).getStatusCode()).isEqualTo(404);
  }

  @Test
  void aListWithAQueryKeepsItsQuery() throws Exception {
    call("POST", "/v1/customers", "", "name=Listed", true);
    APIGatewayV2HTTPResponse list = call("GET", "/v1/customers", "limit=1", "", false);
    assertThat(list.getStatusCode()).isEqualTo(200);
    assertThat(new ObjectMapper().readTree(list.getBody()).path("data").size()).isEqualTo(1);
  }
}
