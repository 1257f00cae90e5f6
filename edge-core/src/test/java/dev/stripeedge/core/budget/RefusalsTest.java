package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RefusalsTest {

  @ParameterizedTest(name = "#{0} at {1}/s, {2} at endpoint at {3}/s, share {4}: {5} ms")
  @CsvSource({
    "10, 100, 1,  25, 1,   100",
    "1,  100, 10, 25, 1,   400",
    "10, 100, 1,  25, 0.5, 200",
    "0,  100, 0,  25, 1,   0",
  })
  void estimatesTheLongerOfLaneAndEndpoint(
      int position,
      double laneRate,
      int sameEndpoint,
      double endpointRate,
      double share,
      long millis) {
    assertThat(Refusals.estimateNanos(position, laneRate, sameEndpoint, endpointRate, share))
        .isEqualTo(Duration.ofMillis(millis).toNanos());
  }

  @ParameterizedTest(name = "{0} ms: Retry-After {1}")
  @CsvSource({"0, 1", "1, 1", "1000, 1", "1001, 2", "2500, 3"})
  void retryAfterIsWholeSecondsRoundedUp(long millis, String seconds) {
    EdgeResponse refusal = Refusals.response(Lane.NORMAL, Duration.ofMillis(millis));

    assertThat(refusal.header("retry-after")).isEqualTo(seconds);
  }

  @Test
  void aRefusalIsStripeShapedAndMarkedAsTheEdges() {
    EdgeResponse refusal = Refusals.response(Lane.BACKGROUND, Duration.ofSeconds(2));

    assertThat(refusal.status()).isEqualTo(429);
    assertThat(refusal.header("stripe-edge-refused")).isEqualTo("budget");
    assertThat(new String(refusal.body(), StandardCharsets.UTF_8))
        .contains("\"code\":\"rate_limit\"", "background budget", "Retry after 2 s.");
  }
}
