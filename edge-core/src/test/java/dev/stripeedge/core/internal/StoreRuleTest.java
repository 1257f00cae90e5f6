package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.StripeRoutes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StoreRuleTest {

  private static final CacheDecision.Cacheable RULE =
      new CacheDecision.Cacheable(Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO);

  private static EdgeResponse response(int status, String code) {
    if (code.isEmpty()) {
      return new EdgeResponse(status, Map.of(), "{}".getBytes(StandardCharsets.UTF_8));
    }
    return StripeErrors.response(status, "invalid_request_error", code, "no");
  }

  @ParameterizedTest(name = "{0} {1} on {2}, negative ttl {3}s: {4}")
  @CsvSource({
    "200, '',               /v1/customers/cus_1, 0,  request",
    "200, '',               /v1/customers,       0,  request",
    "404, resource_missing, /v1/customers/cus_1, 0,  none",
    "404, resource_missing, /v1/customers/cus_1, 5,  negative",
    "404, resource_missing, /v1/customers,       5,  none",
    "404, other_code,       /v1/customers/cus_1, 5,  none",
    "500, '',               /v1/customers/cus_1, 5,  none",
    "429, rate_limit,       /v1/customers/cus_1, 5,  none",
    "201, '',               /v1/customers/cus_1, 5,  none",
  })
  void storesA200UnderTheRequestsRuleAndAMissingRetrieveUnderTheNegativeOne(
      int status, String code, String path, long notFoundSeconds, String expected) {
    StoreRule store = StoreRule.of(Duration.ofSeconds(notFoundSeconds));

    CacheDecision.@Nullable Cacheable under =
        store.storableUnder(response(status, code), StripeRoutes.classify(path), RULE);

    switch (expected) {
      case "request" -> assertThat(under).isSameAs(RULE);
      case "negative" -> assertThat(under).isEqualTo(store.notFound());
      default -> assertThat(under).isNull();
    }
  }

  @ParameterizedTest
  @CsvSource({"0", "5"})
  void storesNothingWithoutAnAnswer(long notFoundSeconds) {
    assertThat(
            StoreRule.of(Duration.ofSeconds(notFoundSeconds))
                .storableUnder(null, StripeRoutes.classify("/v1/customers/cus_1"), RULE))
        .isNull();
  }
}
