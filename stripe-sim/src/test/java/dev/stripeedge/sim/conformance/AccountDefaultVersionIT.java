package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A simulator whose account default is an old version: requests and events without a header. */
class AccountDefaultVersionIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(
          SimConfig.forTests().withLimits(SimConfig.Limits.off()).withApiVersion("2020-08-27"));

  private final SimHttp http = new SimHttp(sim.baseUrl());

  @Test
  void requestsWithoutAVersionAndTheirEventsGetTheDefaultsShape() {
    String key = "sk_test_old_default";

    HttpResponse<String> created =
        http.post(
            "/v1/prices",
            key,
            "currency=usd&unit_amount=100&recurring[interval]=month&product_data[name]=Old");
    JsonNode event = json(http.get("/v1/events?type=price.created", key)).path("data").get(0);

    assertThat(created.headers().firstValue("Stripe-Version")).contains("2020-08-27");
    assertThat(json(created).path("recurring").has("aggregate_usage")).isTrue();
    assertThat(event.path("api_version").asText()).isEqualTo("2020-08-27");
    assertThat(event.path("data").path("object").path("recurring").has("aggregate_usage")).isTrue();
  }

  @Test
  void aHeaderStillWins() {
    HttpResponse<String> created =
        http.post(
            "/v1/prices",
            "sk_test_header_wins",
            "currency=usd&unit_amount=100&recurring[interval]=month&product_data[name]=New",
            "Stripe-Version",
            "2026-07-29.dahlia");

    assertThat(json(created).path("recurring").has("aggregate_usage")).isFalse();
  }

  @Test
  void anEndpointPinnedToANewerVersionThanTheAccountsGetsTheNewerShape() throws Exception {
    String key = "sk_test_newer_endpoint";
    java.util.concurrent.BlockingQueue<String> received =
        new java.util.concurrent.LinkedBlockingQueue<>();
    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        exchange -> {
          received.add(
              new String(
                  exchange.getRequestBody().readAllBytes(),
                  java.nio.charset.StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    receiver.start();
    try {
      json(
          http.post(
              "/v1/webhook_endpoints",
              key,
              "url=http%3A%2F%2F127.0.0.1%3A"
                  + receiver.getAddress().getPort()
                  + "%2Fhook&enabled_events[]=price.created&api_version=2026-07-29.dahlia"));
      http.post(
          "/v1/prices",
          key,
          "currency=usd&unit_amount=100&recurring[interval]=month&product_data[name]=Pinned");

      String payload = received.poll(10, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(payload).isNotNull();
      JsonNode event = Json.MAPPER.readTree(payload);
      assertThat(event.path("api_version").asText()).isEqualTo("2026-07-29.dahlia");
      assertThat(event.path("data").path("object").path("recurring").has("aggregate_usage"))
          .isFalse();
      // The stored event is the account's: 2020-08-27.
      JsonNode stored = json(http.get("/v1/events?type=price.created", key)).path("data").get(0);
      assertThat(stored.path("api_version").asText()).isEqualTo("2020-08-27");
      assertThat(stored.path("data").path("object").path("recurring").has("aggregate_usage"))
          .isTrue();
    } finally {
      receiver.stop(0);
    }
  }

  private static JsonNode json(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    try {
      return Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
