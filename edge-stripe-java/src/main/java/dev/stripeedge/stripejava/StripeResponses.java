package dev.stripeedge.stripejava;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.stripe.exception.ApiConnectionException;
import com.stripe.net.HttpHeaders;
import com.stripe.net.StripeResponse;
import dev.stripeedge.core.EdgeResponse;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Translates the pipeline's {@link EdgeResponse} back into what stripe-java expects. Stateless.
 *
 * <p>Every HTTP answer, error statuses included, becomes a {@link StripeResponse} for the SDK to
 * map (a 404 to {@code InvalidRequestException}, a 402 to {@code CardException}…). The one
 * exception is the edge's own "no answer from upstream" error (5xx with code {@value #NO_ANSWER}),
 * which stripe-java's own client would have raised as an {@link ApiConnectionException}: it is
 * raised as one here too, so application code keeps working unchanged.
 */
final class StripeResponses {

  /** {@code error.code} of the pipeline's errors when upstream gave no answer (502, 504). */
  static final String NO_ANSWER = "api_connection_error";

  private static final JsonFactory JSON = new JsonFactory();

  private StripeResponses() {}

  /** Headers as stripe-java reads them (case-insensitive). */
  static HttpHeaders headers(EdgeResponse response) {
    return HttpHeaders.of(response.headers());
  }

  /**
   * The SDK's view of {@code response}.
   *
   * @throws ApiConnectionException when {@code response} is the edge's "no answer" error
   */
  static StripeResponse toStripe(EdgeResponse response) throws ApiConnectionException {
    if (isNoAnswer(response)) {
      throw new ApiConnectionException(
          "stripe-edge: " + message(response.body()) + " (HTTP " + response.status() + ")");
    }
    return new StripeResponse(response.status(), headers(response), response.bodyText());
  }

  /** Whether upstream gave no answer: a 5xx the edge made up, with code {@value #NO_ANSWER}. */
  static boolean isNoAnswer(EdgeResponse response) {
    // Stripe itself never answers with this code: it is what SDKs raise client-side.
    return response.status() >= 500 && NO_ANSWER.equals(errorField(response.body(), "code"));
  }

  private static String message(byte[] body) {
    String message = errorField(body, "message");
    return message != null ? message : "no answer from the Stripe API";
  }

  /** {@code error.<name>} of a Stripe error body when it is a string, else null. */
  private static @Nullable String errorField(byte[] body, String name) {
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("error") && value == JsonToken.START_OBJECT) {
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String inner = parser.currentName();
            JsonToken innerValue = parser.nextToken();
            if (inner.equals(name) && innerValue == JsonToken.VALUE_STRING) {
              return parser.getText();
            }
            parser.skipChildren();
          }
          return null;
        }
        parser.skipChildren();
      }
      return null;
    } catch (IOException e) {
      // Not JSON (a load balancer's page, a PDF): not the edge's error.
      return null;
    }
  }
}
