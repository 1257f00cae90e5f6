package dev.stripeedge.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Raw HTTP against a simulator, for wire-level assertions the SDK would hide. */
public final class SimHttp {

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String baseUrl;

  public SimHttp(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  public HttpRequest.Builder request(String path, String key) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10));
    if (key != null) {
      builder.header("Authorization", "Bearer " + key);
    }
    return builder;
  }

  public HttpResponse<String> get(String path, String key) {
    return send(request(path, key).GET().build());
  }

  public HttpResponse<String> post(String path, String key, String form, String... headers) {
    HttpRequest.Builder builder =
        request(path, key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form));
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return send(builder.build());
  }

  public HttpResponse<String> postJson(String path, String json) {
    return send(
        request(path, null)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  /**
   * A card PaymentIntent for {@code amount} US cents, created and confirmed at once with {@code
   * paymentMethod} ({@code pm_card_visa}…); {@code extra} is appended to the form ({@code
   * &capture_method=manual}).
   */
  public HttpResponse<String> confirmedPaymentIntent(
      String key, long amount, String paymentMethod, String extra) {
    return post(
        "/v1/payment_intents",
        key,
        "amount="
            + amount
            + "&currency=usd&confirm=true&payment_method_types[]=card&payment_method="
            + paymentMethod
            + extra);
  }

  /** The body of a 200 as JSON; any other status fails with the body in the message. */
  public static com.fasterxml.jackson.databind.JsonNode ok(HttpResponse<String> response) {
    org.assertj.core.api.Assertions.assertThat(response.statusCode())
        .as(response.body())
        .isEqualTo(200);
    return json(response);
  }

  /** The body as JSON, whatever the status. */
  public static com.fasterxml.jackson.databind.JsonNode json(HttpResponse<String> response) {
    try {
      return dev.stripeedge.sim.internal.wire.Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
