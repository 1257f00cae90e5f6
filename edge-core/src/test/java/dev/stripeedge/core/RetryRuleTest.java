package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryRuleTest {

  /** Always the top of the jitter range, so delays are exact. */
  private static final RandomGenerator MAX =
      new RandomGenerator() {
        @Override
        public long nextLong() {
          return Long.MAX_VALUE;
        }

        @Override
        public long nextLong(long bound) {
          return bound - 1;
        }
      };

  private static final RetryRule RULE = RetryRule.stripe(RetryConfig.defaults(), MAX);
  private static final String LOCK =
      "{\"error\":{\"code\":\"lock_timeout\",\"type\":\"invalid_request_error\"}}";
  private static final String RATE =
      "{\"error\":{\"code\":\"rate_limit\",\"type\":\"invalid_request_error\"}}";

  private static EdgeRequest request(String method, boolean idempotencyKey) {
    Map<String, List<String>> headers = new HashMap<>();
    if (idempotencyKey) {
      headers.put("Idempotency-Key", List.of("k1"));
    }
    return new EdgeRequest(method, "/v1/customers", "", headers, new byte[0]);
  }

  private static Attempt responded(
      String method, boolean key, int status, String shouldRetry, String body) {
    Map<String, List<String>> headers = new HashMap<>();
    if (!shouldRetry.isEmpty()) {
      headers.put("Stripe-Should-Retry", List.of(shouldRetry));
    }
    if (body.startsWith("limiter:")) {
      headers.put("Stripe-Rate-Limited-Reason", List.of(body.substring("limiter:".length())));
      body = RATE;
    }
    EdgeResponse response =
        new EdgeResponse(status, headers, body.getBytes(StandardCharsets.UTF_8));
    return new Attempt(
        request(method, key), 1, response, null, Duration.ZERO, Duration.ofSeconds(30));
  }

  /** "retry" or the give-up reason. */
  @ParameterizedTest(name = "{0} key={1} {2} should-retry={3} {4} -> {5}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          GET  | false | 500 |       | api    | retry
          GET  | false | 502 |       | api    | retry
          GET  | false | 503 |       | api    | retry
          POST | true  | 500 |       | api    | retry
          POST | true  | 409 |       | api    | retry
          POST | true  | 429 |       | lock   | retry
          POST | true  | 429 | true  | rate   | retry
          GET  | false | 429 |       | rate   | status
          GET  | false | 429 |       | global-rate | retry
          POST | false | 429 |       | endpoint-rate | retry
          POST | false | 429 |       | global-concurrency | retry
          POST | true  | 429 |       | resource-specific | status
          POST | true  | 429 | false | global-rate | should-retry-false
          POST | true  | 500 | false | api    | should-retry-false
          POST | true  | 409 | false | api    | should-retry-false
          POST | false | 500 |       | api    | no-idempotency-key
          POST | false | 429 | true  | lock   | no-idempotency-key
          POST | true  | 400 |       | api    | status
          GET  | false | 401 |       | api    | status
          POST | true  | 402 |       | api    | status
          GET  | false | 404 |       | api    | status
          GET  | false | 200 |       | api    | status
          DELETE | false | 503 |     | api    | retry
          """)
  void byResponse(
      String method, boolean key, int status, String shouldRetry, String body, String expected) {
    String json =
        switch (body) {
          case "lock" -> LOCK;
          case "rate" -> RATE;
          case "global-rate", "endpoint-rate", "global-concurrency", "resource-specific" ->
              "limiter:" + body;
          default -> "{\"error\":{\"type\":\"api_error\"}}";
        };

    RetryDecision decision =
        RULE.decide(responded(method, key, status, shouldRetry == null ? "" : shouldRetry, json));

    if (expected.equals("retry")) {
      assertThat(decision).isInstanceOf(RetryDecision.Retry.class);
    } else {
      assertThat(decision).isEqualTo(new RetryDecision.GiveUp(expected));
    }
  }

  @ParameterizedTest(name = "{0} key={1} {2} -> {3}")
  @CsvSource({
    "GET, false, CONNECT, retry",
    "GET, false, RESET, retry",
    "GET, false, TIMEOUT, retry",
    "POST, true, RESET, retry",
    "POST, false, CONNECT, no-idempotency-key",
    "POST, false, RESET, no-idempotency-key"
  })
  void byConnectionFailure(
      String method, boolean key, UpstreamException.Kind kind, String expected) {
    Attempt attempt =
        new Attempt(
            request(method, key),
            1,
            null,
            new UpstreamException(kind, "x", null),
            Duration.ZERO,
            Duration.ofSeconds(30));

    RetryDecision decision = RULE.decide(attempt);

    if (expected.equals("retry")) {
      assertThat(decision).isInstanceOf(RetryDecision.Retry.class);
    } else {
      assertThat(decision).isEqualTo(new RetryDecision.GiveUp(expected));
    }
  }

  @Test
  void otherFailuresAreNotRetried() {
    Attempt attempt =
        new Attempt(
            request("GET", false),
            1,
            null,
            new IllegalStateException("bug"),
            Duration.ZERO,
            Duration.ofSeconds(30));

    assertThat(RULE.decide(attempt)).isEqualTo(new RetryDecision.GiveUp("failure"));
  }

  @ParameterizedTest(name = "attempt {0} -> {1} ms")
  @CsvSource({"1, 100", "2, 200", "3, 400", "4, 800", "5, 1600", "6, 2000", "40, 2000", "70, 2000"})
  void backoffDoublesUpToTheCap(int attempt, long millis) {
    RetryRule rule = RetryRule.stripe(RetryConfig.defaults().withMaxAttempts(100), MAX);
    Attempt failed =
        new Attempt(
            request("GET", false),
            attempt,
            new EdgeResponse(503, Map.of(), new byte[0]),
            null,
            Duration.ZERO,
            Duration.ofMinutes(5));

    assertThat(rule.decide(failed)).isEqualTo(new RetryDecision.Retry(Duration.ofMillis(millis)));
  }

  @Test
  void jitterIsFullFromZero() {
    RandomGenerator min =
        new RandomGenerator() {
          @Override
          public long nextLong() {
            return 0;
          }

          @Override
          public long nextLong(long bound) {
            return 0;
          }
        };
    Attempt failed =
        new Attempt(
            request("GET", false),
            2,
            new EdgeResponse(503, Map.of(), new byte[0]),
            null,
            Duration.ZERO,
            Duration.ofSeconds(30));

    assertThat(RetryRule.stripe(RetryConfig.defaults(), min).decide(failed))
        .isEqualTo(new RetryDecision.Retry(Duration.ZERO));
  }

  @Test
  void stopsAfterMaxAttempts() {
    Attempt third =
        new Attempt(
            request("GET", false),
            3,
            new EdgeResponse(503, Map.of(), new byte[0]),
            null,
            Duration.ZERO,
            Duration.ofSeconds(30));

    assertThat(RULE.decide(third)).isEqualTo(new RetryDecision.GiveUp("attempts"));
  }

  @Test
  void stopsWhenTheDelayWouldPassTheDeadline() {
    Attempt late =
        new Attempt(
            request("GET", false),
            1,
            new EdgeResponse(503, Map.of(), new byte[0]),
            null,
            Duration.ofMillis(950),
            Duration.ofSeconds(1));

    assertThat(RULE.decide(late)).isEqualTo(new RetryDecision.GiveUp("deadline"));
  }

  @ParameterizedTest(name = "header {0} -> {1} ms")
  @CsvSource({"5000, 5000", "60000, 30000", "0, 30000", "-3, 30000", "soon, 30000", "' 250 ', 250"})
  void clientsMayOnlyLowerTheDeadline(String header, long millis) {
    EdgeRequest request = request("GET", false).withHeader(RetryConfig.DEADLINE_HEADER, header);

    assertThat(RetryConfig.defaults().deadlineFor(request)).isEqualTo(Duration.ofMillis(millis));
  }
}
