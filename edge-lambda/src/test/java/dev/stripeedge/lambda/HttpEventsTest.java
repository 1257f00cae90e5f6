package dev.stripeedge.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.core.EdgeResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP API / Function URL event format, read from AWS's serializer and answered in it. */
class HttpEventsTest {

  private static APIGatewayV2HTTPEvent event(String body, boolean base64) {
    return AwsEvents.event(
        APIGatewayV2HTTPEvent.class,
        AwsEvents.json(
            "http-api-proxy.json",
            Map.of(
                "path", "/v1/customers",
                "query", "limit=3&starting_after=cus_1",
                "method", "post",
                "apiKey", "sk_test_events",
                "length", "0",
                "requestId", "r1",
                "body", body,
                "base64", String.valueOf(base64))));
  }

  @Test
  void methodPathQueryHeadersAndBodyAreReadAsSent() {
    byte[] form = "name=Zo%C3%AB&x=1".getBytes(StandardCharsets.UTF_8);
    APIGatewayV2HTTPEvent event = event(Base64.getEncoder().encodeToString(form), true);
    assertThat(HttpEvents.method(event)).isEqualTo("POST");
    assertThat(HttpEvents.path(event)).isEqualTo("/v1/customers");
    assertThat(HttpEvents.query(event)).isEqualTo("limit=3&starting_after=cus_1");
    assertThat(HttpEvents.header(event, "Authorization")).isEqualTo("Bearer sk_test_events");
    assertThat(HttpEvents.body(event)).isEqualTo(form);
    assertThat(HttpEvents.body(event("plain text", false)))
        .isEqualTo("plain text".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> HttpEvents.body(event("%%%", true)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void jsonAnswersStayTextAndOthersGoInBase64WithRepeatedHeadersJoined() {
    APIGatewayV2HTTPResponse json =
        HttpEvents.answer(
            new EdgeResponse(
                200,
                Map.of("Content-Type", List.of("application/json"), "Vary", List.of("a", "b")),
                "{\"id\":\"cus_1\"}".getBytes(StandardCharsets.UTF_8)));
    assertThat(json.getIsBase64Encoded()).isFalse();
    assertThat(json.getBody()).isEqualTo("{\"id\":\"cus_1\"}");
    assertThat(json.getHeaders()).containsEntry("vary", "a, b");

    byte[] pdf = {0x25, 0x50, 0x44, 0x46, (byte) 0xff};
    APIGatewayV2HTTPResponse binary =
        HttpEvents.answer(
            new EdgeResponse(200, Map.of("Content-Type", List.of("application/pdf")), pdf));
    assertThat(binary.getIsBase64Encoded()).isTrue();
    assertThat(Base64.getDecoder().decode(binary.getBody())).isEqualTo(pdf);
  }

  @Test
  void errorsAreStripeShapedJsonWithEscapedMessages() throws Exception {
    APIGatewayV2HTTPResponse error =
        HttpEvents.error(400, "invalid_request_error", "bad", "a \"quoted\"\nmessage");
    var tree = new ObjectMapper().readTree(error.getBody());
    assertThat(tree.path("error").path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(tree.path("error").path("code").asText()).isEqualTo("bad");
    assertThat(tree.path("error").path("message").asText()).isEqualTo("a \"quoted\"\nmessage");
    assertThat(error.getHeaders()).containsEntry("content-type", "application/json");
  }
}
