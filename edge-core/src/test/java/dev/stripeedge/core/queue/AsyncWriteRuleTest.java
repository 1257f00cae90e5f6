package dev.stripeedge.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.queue.AsyncWriteConfig.AsyncRoute;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AsyncWriteRuleTest {

  private static final AsyncWriteRule RULE =
      new AsyncWriteRule(
          AsyncWriteConfig.defaults().toBuilder()
              .routes(
                  Map.of(
                      "POST /v1/customers/{id}", AsyncRoute.BY_DEFAULT,
                      "POST /v1/payment_intents/{id}/confirm", AsyncRoute.FORBIDDEN))
              .build());

  @ParameterizedTest(name = "{0} {1} Prefer={2} -> {3}")
  @CsvSource(
      nullValues = "-",
      value = {
        "POST,   /v1/customers,                   respond-async,            queue",
        "POST,   /v1/customers,                   -,                        sync",
        "POST,   /v1/customers,                   'return=minimal, Respond-Async; x=1', queue",
        "POST,   /v1/customers,                   respond-asynchronously,   sync",
        "DELETE, /v1/products/prod_1,             respond-async,            queue",
        "GET,    /v1/customers/cus_1,             respond-async,            sync",
        "POST,   /edge/writes/aw_1,               respond-async,            sync",
        "POST,   /v1/customers/cus_1,             -,                        queue",
        "POST,   /v1/payment_intents/pi_1/confirm, respond-async,           forbidden",
        "POST,   /v1/payment_intents/pi_1/confirm, -,                       sync",
      })
  void decides(String method, String path, @Nullable String prefer, String expected) {
    EdgeRequest request = EdgeRequest.of(method, path, "");
    if (prefer != null) {
      request = request.withHeader("Prefer", prefer);
    }

    AsyncWriteRule.Decision decision = RULE.decide(request, StripeRoutes.classify(path));

    String got =
        switch (decision) {
          case AsyncWriteRule.Decision.Sync s -> "sync";
          case AsyncWriteRule.Decision.Queue q -> "queue";
          case AsyncWriteRule.Decision.Forbidden f -> "forbidden";
        };
    assertThat(got).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"POST,/v1/customers", "POST,/v1/customers/cus_1"})
  void offMeansSynchronousWhateverIsAsked(String method, String path) {
    AsyncWriteRule off =
        new AsyncWriteRule(AsyncWriteConfig.defaults().toBuilder().enabled(false).build());
    EdgeRequest request = EdgeRequest.of(method, path, "").withHeader("Prefer", "respond-async");

    assertThat(off.decide(request, StripeRoutes.classify(path)))
        .isInstanceOf(AsyncWriteRule.Decision.Sync.class);
  }
}
