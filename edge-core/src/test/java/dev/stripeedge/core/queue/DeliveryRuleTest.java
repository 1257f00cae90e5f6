package dev.stripeedge.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeliveryRuleTest {

  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
  private static final AsyncWriteConfig CONFIG =
      AsyncWriteConfig.defaults().toBuilder()
          .maxAttempts(4)
          .backoff(Duration.ofSeconds(1), Duration.ofSeconds(8))
          .build();
  private static final DeliveryRule RULE = new DeliveryRule(CONFIG, new SplittableRandom(7));

  private static EdgeResponse answer(int status) {
    return new EdgeResponse(status, Map.of(), new byte[0]);
  }

  @ParameterizedTest(name = "HTTP {0} on attempt {1} -> {2}")
  @CsvSource({
    "200, 1, Succeeded",
    "201, 4, Succeeded",
    "400, 1, Failed",
    "401, 1, Failed",
    "402, 1, Failed",
    "404, 2, Failed",
    "409, 1, Retry",
    "429, 1, Retry",
    "500, 3, Retry",
    "503, 4, Dead",
    "0,   1, Retry",
    "0,   4, Dead",
  })
  void decides(int status, int attempt, String expected) {
    DeliveryRule.Decision decision =
        RULE.decide(attempt, status == 0 ? null : answer(status), T0, T0.plusSeconds(1));

    assertThat(decision.getClass().getSimpleName()).isEqualTo(expected);
  }

  @Test
  void backoffDoublesUpToTheCapWithFullJitter() {
    for (int attempt = 1; attempt <= 3; attempt++) {
      long ceiling = Math.min(8_000, 1_000L << (attempt - 1));
      for (int i = 0; i < 200; i++) {
        DeliveryRule.Decision decision = RULE.decide(attempt, answer(500), T0, T0);
        assertThat(decision).isInstanceOf(DeliveryRule.Decision.Retry.class);
        assertThat(((DeliveryRule.Decision.Retry) decision).delay().toMillis())
            .isBetween(0L, ceiling);
      }
    }
  }

  @Test
  void aWriteNearTheIdempotencyWindowIsDeadNotResent() {
    Instant late = T0.plus(CONFIG.keyWindow()).minusMillis(1);

    DeliveryRule.Decision decision = RULE.decide(1, answer(503), T0, late);

    assertThat(decision).isInstanceOf(DeliveryRule.Decision.Dead.class);
    assertThat(((DeliveryRule.Decision.Dead) decision).reason()).contains("24 h window");
  }

  private static EdgeResponse refusedByTheEdge(String code, String retryAfter) {
    return answer(503).withHeaders(Map.of("Stripe-Edge-Refused", code, "Retry-After", retryAfter));
  }

  @ParameterizedTest(name = "{0}, Retry-After {1}, attempt {2} -> held {1} s")
  @CsvSource({"circuit-open, 5, 1", "circuit-open, 5, 4", "circuit-open, 1, 9", "bulkhead, 1, 4"})
  void theEdgesOwnIsolationRefusalHoldsTheWriteForItsRetryAfterWhateverTheAttempt(
      String code, int retryAfter, int attempt) {
    for (int i = 0; i < 100; i++) {
      DeliveryRule.Decision decision =
          RULE.decide(attempt, refusedByTheEdge(code, "" + retryAfter), T0, T0.plusSeconds(30));

      assertThat(decision).isInstanceOf(DeliveryRule.Decision.Held.class);
      DeliveryRule.Decision.Held held = (DeliveryRule.Decision.Held) decision;
      assertThat(held.delay().toMillis()).isBetween(retryAfter * 1_000L, retryAfter * 1_000L + 250);
      assertThat(held.reason()).isEqualTo("held: " + code);
    }
  }

  @Test
  void onlyTheEdgesOwnRefusalsAreHeld() {
    // Stripe's own 503 and 429 on the last attempt are dead: Stripe saw them.
    assertThat(RULE.decide(4, answer(503), T0, T0)).isInstanceOf(DeliveryRule.Decision.Dead.class);
    assertThat(RULE.decide(4, answer(429), T0, T0)).isInstanceOf(DeliveryRule.Decision.Dead.class);
    assertThat(RULE.decide(1, answer(429), T0, T0)).isInstanceOf(DeliveryRule.Decision.Retry.class);
    // A 503 naming the budget is not the budget's refusal (that is a 429): an attempt spent.
    assertThat(RULE.decide(4, refusedByTheEdge("budget", "5"), T0, T0))
        .isInstanceOf(DeliveryRule.Decision.Dead.class);
    // No usable Retry-After: a second.
    DeliveryRule.Decision decision =
        RULE.decide(1, refusedByTheEdge("circuit-open", "soon"), T0, T0);
    assertThat(((DeliveryRule.Decision.Held) decision).delay().toMillis())
        .isBetween(1_000L, 1_250L);
  }

  @ParameterizedTest(name = "Retry-After {0}, attempt {1} -> held {0} s")
  @CsvSource({"1, 1", "1, 4", "2, 9"})
  void theBudgetsOwnRefusalHoldsTheWriteWithoutSpendingAnAttempt(int retryAfter, int attempt) {
    // The budget's 429 (the lane could not admit the delivery within its longest wait) was never
    // sent: like the breaker's refusal it waits its Retry-After, even past the last attempt.
    EdgeResponse refused =
        answer(429)
            .withHeaders(Map.of("Stripe-Edge-Refused", "budget", "Retry-After", "" + retryAfter));
    for (int i = 0; i < 100; i++) {
      DeliveryRule.Decision decision = RULE.decide(attempt, refused, T0, T0.plusSeconds(30));

      assertThat(decision).isInstanceOf(DeliveryRule.Decision.Held.class);
      DeliveryRule.Decision.Held held = (DeliveryRule.Decision.Held) decision;
      assertThat(held.delay().toMillis()).isBetween(retryAfter * 1_000L, retryAfter * 1_000L + 250);
      assertThat(held.reason()).isEqualTo("held: budget");
    }
  }

  @Test
  void aWriteHeldUntilTheIdempotencyWindowIsDeadNotSent() {
    Instant late = T0.plus(CONFIG.keyWindow()).minusSeconds(3);

    DeliveryRule.Decision decision =
        RULE.decide(1, refusedByTheEdge("circuit-open", "5"), T0, late);

    assertThat(decision).isInstanceOf(DeliveryRule.Decision.Dead.class);
    assertThat(((DeliveryRule.Decision.Dead) decision).reason())
        .contains("held back by the edge (circuit-open)")
        .contains("24 h window");
  }

  @Test
  void aPermanentRefusalIsFailedEvenNearTheWindow() {
    assertThat(RULE.decide(1, answer(400), T0, T0.plus(CONFIG.keyWindow())))
        .isInstanceOf(DeliveryRule.Decision.Failed.class);
  }
}
