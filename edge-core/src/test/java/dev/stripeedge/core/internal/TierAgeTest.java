package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.CacheDecision;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TierAgeTest {

  // TTL 60 s, stale-while-revalidate 10 s, stale-if-error 300 s (memory keeps it 360 s).
  private static final CacheDecision.Cacheable RULE =
      new CacheDecision.Cacheable(
          Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(300));

  @ParameterizedTest(name = "age {0}s, retention {1}s, stream covers {2}: {3}")
  @CsvSource({
    // Within the rule's own windows the stream does not matter.
    "0,     86400, false, FRESH",
    "59,    86400, false, FRESH",
    "59,    0,     true,  FRESH",
    "60,    86400, false, STALE_WHILE_REVALIDATE",
    "69,    86400, true,  STALE_WHILE_REVALIDATE",
    // Past them: kept by the tier and vouched for by the stream, it answers.
    "70,    86400, true,  RETAINED",
    "3600,  86400, true,  RETAINED",
    "86399, 86400, true,  RETAINED",
    // The stream quiet (or a gap since the fetch): Stripe is asked first.
    "70,    86400, false, REVALIDATE",
    "3600,  86400, false, REVALIDATE",
    // Past the tier's retention, or a tier keeping entries only as memory does: asked first.
    "86400, 86400, true,  REVALIDATE",
    "90000, 86400, true,  REVALIDATE",
    "70,    0,     true,  REVALIDATE",
    "300,   360,   true,  RETAINED",
    "360,   360,   true,  REVALIDATE",
  })
  void judgesAHitByTheRuleThenTheTiersRetentionAndTheStream(
      long ageSeconds, long retentionSeconds, boolean covers, TierAge expected) {
    assertThat(
            TierAge.of(
                Duration.ofSeconds(ageSeconds).toNanos(),
                RULE,
                Duration.ofSeconds(retentionSeconds).toNanos(),
                covers))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} answers now: {1}")
  @CsvSource({"FRESH, true", "STALE_WHILE_REVALIDATE, true", "RETAINED, true", "REVALIDATE, false"})
  void onlyRevalidateWaitsForStripe(TierAge age, boolean now) {
    assertThat(age.answersNow()).isEqualTo(now);
  }
}
