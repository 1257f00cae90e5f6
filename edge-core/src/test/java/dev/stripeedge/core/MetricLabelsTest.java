package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Metric labels come from a bounded set, whatever path or method a client sends. */
class MetricLabelsTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private final EdgePipeline pipeline =
      EdgePipeline.builder(
              (request, timeout) ->
                  CompletableFuture.completedFuture(
                      new EdgeResponse(
                          404,
                          Map.of("Content-Type", List.of("application/json")),
                          "{\"error\":{}}".getBytes(StandardCharsets.UTF_8))))
          .scheduler(delay -> CompletableFuture.completedFuture(null))
          .meterRegistry(meters)
          .build();

  private void send(String method, String path) {
    pipeline
        .handle(
            new EdgeRequest(
                method,
                path,
                "",
                Map.of("Authorization", List.of("Bearer sk_test_labels")),
                new byte[0]))
        .join();
  }

  private Set<String> tagValues(String key) {
    Set<String> values = new HashSet<>();
    for (Meter meter : meters.getMeters()) {
      String value = meter.getId().getTag(key);
      if (value != null) {
        values.add(value);
      }
    }
    return values;
  }

  @Test
  void unknownPathsAndMethodsShareOneLabel() {
    for (int i = 0; i < 200; i++) {
      send("GET", "/v1/made_up_" + i);
      send("POST", "/v1/customers/cus_" + i + "/no_such_action_" + i);
    }
    send("GET", "/v1/sk_live_51SecretInAPath\u0001\u001b[31m");
    send("BREW" + "\u0000", "/v1/customers");
    send("PROPFIND", "/v1/customers");

    Set<String> routes = tagValues("route");
    assertThat(routes).contains("other", "/v1/customers");
    assertThat(routes).allSatisfy(route -> assertThat(route).matches("other|/v[12]/[a-z_/{}0-9]+"));
    assertThat(routes).noneMatch(route -> route.contains("made_up") || route.contains("sk_live"));
    assertThat(tagValues("method")).containsExactlyInAnyOrder("GET", "POST", "OTHER");
    // 400 distinct paths, a handful of series (40 of them: per route template and method, cache
    // outcome and stage, never per path).
    assertThat(meters.getMeters()).hasSizeLessThan(50);
  }

  @Test
  void knownEndpointsKeepTheirTemplate() {
    send("GET", "/v1/customers/cus_1");
    send("POST", "/v1/payment_intents/pi_1/confirm");
    send("GET", "/v1/checkout/sessions/cs_1/line_items");
    send("GET", "/v2/core/events/evt_1");

    assertThat(tagValues("route"))
        .contains(
            "/v1/customers/{id}",
            "/v1/payment_intents/{id}/confirm",
            "/v1/checkout/sessions/{id}/line_items",
            "/v2/core/events/{id}");
  }

  @Test
  void labelIsBoundedForAnyPath() {
    assertThat(StripeRoutes.label(StripeRoutes.classify("/v1/customers/cus_9/sources/card_1")))
        .isEqualTo("/v1/customers/{id}/sources/{id2}");
    assertThat(StripeRoutes.label(StripeRoutes.classify("/v1/nope"))).isEqualTo("other");
    assertThat(StripeRoutes.label(StripeRoutes.classify("/healthz"))).isEqualTo("other");
    assertThat(StripeRoutes.methodLabel("get")).isEqualTo("OTHER");
    assertThat(StripeRoutes.methodLabel("DELETE")).isEqualTo("DELETE");
  }
}
