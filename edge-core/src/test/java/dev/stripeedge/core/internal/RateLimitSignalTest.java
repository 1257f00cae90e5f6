package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.internal.RateLimitSignal.Limiter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateLimitSignalTest {

  private static EdgeResponse response(int status, String reason, String code) {
    Map<String, List<String>> headers = new HashMap<>();
    if (!reason.isEmpty()) {
      headers.put("Stripe-Rate-Limited-Reason", List.of(reason));
    }
    String body = "{\"error\":{\"code\":\"" + code + "\",\"type\":\"invalid_request_error\"}}";
    return new EdgeResponse(status, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0} / {1}: {2}, lock {3}, clears soon {4}")
  @CsvSource({
    "global-rate,          rate_limit,   GLOBAL_RATE,          false, true",
    "endpoint-rate,        rate_limit,   ENDPOINT_RATE,        false, true",
    "global-concurrency,   rate_limit,   GLOBAL_CONCURRENCY,   false, true",
    "endpoint-concurrency, rate_limit,   ENDPOINT_CONCURRENCY, false, true",
    "resource-specific,    rate_limit,   RESOURCE_SPECIFIC,    false, false",
    "next-new-limiter,     rate_limit,   OTHER,                false, true",
    "Global-Rate,          rate_limit,   OTHER,                false, true",
    "'',                   lock_timeout, ,                     true,  false",
    "'',                   rate_limit,   ,                     false, false",
  })
  void aTooManyRequestsIsParsedOnce(
      String reason, String code, Limiter limiter, boolean lockTimeout, boolean clearsSoon) {
    RateLimitSignal signal = RateLimitSignal.of(response(429, reason, code));

    assertThat(signal).isEqualTo(new RateLimitSignal(limiter, lockTimeout));
    assertThat(signal.clearsSoon()).isEqualTo(clearsSoon);
  }

  @Test
  void onlyA429IsASignal() {
    assertThat(RateLimitSignal.of(response(409, "global-rate", "lock_timeout"))).isNull();
    assertThat(RateLimitSignal.of(response(503, "", "rate_limit"))).isNull();
    assertThat(RateLimitSignal.of(null)).isNull();
  }

  @Test
  void theLimitersHeaderIsItsMetricTag() {
    assertThat(Limiter.GLOBAL_RATE.header()).isEqualTo("global-rate");
    assertThat(Limiter.ENDPOINT_CONCURRENCY.header()).isEqualTo("endpoint-concurrency");
  }
}
