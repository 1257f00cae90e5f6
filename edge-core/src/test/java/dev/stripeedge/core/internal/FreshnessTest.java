package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.CacheDecision;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FreshnessTest {

  @ParameterizedTest(name = "age {0} under ttl {1}, swr {2}, sie {3}: {4}")
  @CsvSource({
    "0,  10, 5, 20, FRESH",
    "9,  10, 5, 20, FRESH",
    "10, 10, 5, 20, STALE_WHILE_REVALIDATE",
    "14, 10, 5, 20, STALE_WHILE_REVALIDATE",
    "15, 10, 5, 20, STALE_IF_ERROR",
    "29, 10, 5, 20, STALE_IF_ERROR",
    "30, 10, 5, 20, EXPIRED",
    "10, 10, 0, 0,  EXPIRED",
    "12, 10, 5, 0,  STALE_WHILE_REVALIDATE",
    "16, 10, 5, 0,  EXPIRED",
    // A stale-while-revalidate window longer than stale-if-error's wins where they overlap.
    "12, 10, 8, 3,  STALE_WHILE_REVALIDATE",
  })
  void judgesAnAgeAgainstTheWindows(long age, long ttl, long swr, long sie, Freshness expected) {
    assertThat(Freshness.of(age, ttl, swr, sie)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} answers now: {1}")
  @CsvSource({
    "FRESH, true",
    "STALE_WHILE_REVALIDATE, true",
    "STALE_IF_ERROR, false",
    "EXPIRED, false"
  })
  void onlyFreshAndRevalidatingAnswerWithoutUpstream(Freshness freshness, boolean now) {
    assertThat(freshness.answersNow()).isEqualTo(now);
  }

  @ParameterizedTest(name = "age {0}s serves on error: {1}")
  @CsvSource({"0, true", "59, true", "89, true", "90, false", "500, false"})
  void servesOnErrorWithinTtlAndStaleIfError(long ageSeconds, boolean serves) {
    CacheDecision.Cacheable rule =
        new CacheDecision.Cacheable(
            Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(30));

    assertThat(Freshness.servesOnError(Duration.ofSeconds(ageSeconds).toNanos(), rule))
        .isEqualTo(serves);
  }

  @Test
  void judgesByTheRulesDurations() {
    CacheDecision.Cacheable rule =
        new CacheDecision.Cacheable(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO);

    assertThat(Freshness.of(Duration.ofMillis(1500).toNanos(), rule))
        .isEqualTo(Freshness.STALE_WHILE_REVALIDATE);
  }
}
