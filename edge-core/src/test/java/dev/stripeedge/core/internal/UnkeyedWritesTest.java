package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.EdgeRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UnkeyedWritesTest {

  private final CacheKeys keys = CacheKeys.hmac(new byte[32]);

  @Test
  void onlyAnAnswerStripeWouldReplayEndsTheMemory() {
    assertThat(UnkeyedWrites.outcome(null)).isEqualTo(UnkeyedWrites.Outcome.AMBIGUOUS);
    assertThat(UnkeyedWrites.outcome(500)).isEqualTo(UnkeyedWrites.Outcome.AMBIGUOUS);
    assertThat(UnkeyedWrites.outcome(503)).isEqualTo(UnkeyedWrites.Outcome.AMBIGUOUS);
    assertThat(UnkeyedWrites.outcome(409)).isEqualTo(UnkeyedWrites.Outcome.PENDING);
    assertThat(UnkeyedWrites.outcome(429)).isEqualTo(UnkeyedWrites.Outcome.PENDING);
    assertThat(UnkeyedWrites.outcome(200)).isEqualTo(UnkeyedWrites.Outcome.SETTLED);
    assertThat(UnkeyedWrites.outcome(402)).isEqualTo(UnkeyedWrites.Outcome.SETTLED);
    assertThat(UnkeyedWrites.outcome(400)).isEqualTo(UnkeyedWrites.Outcome.SETTLED);
  }

  private String fingerprint(String apiKey, String account, String form) {
    EdgeRequest request =
        new EdgeRequest(
            "POST",
            "/v1/customers",
            "",
            Map.of(
                "authorization", List.of("Bearer " + apiKey),
                "stripe-account", List.of(account),
                "content-type", List.of("application/x-www-form-urlencoded")),
            form.getBytes(StandardCharsets.UTF_8));
    return UnkeyedWrites.fingerprint(keys.keyFor(request), request);
  }

  @Test
  void theFingerprintIsTheWriteNotItsSpelling() {
    String base = fingerprint("sk_a", "acct_1", "name=Ada+L&items[][price]=p1&items[][price]=p2");

    assertThat(
            fingerprint(
                "sk_a", "acct_1", "name=Ada%20L&items%5B%5D%5Bprice%5D=p1&items[][price]=p2"))
        .isEqualTo(base);
    // Order of repeated names means something to Stripe: another write.
    assertThat(fingerprint("sk_a", "acct_1", "name=Ada+L&items[][price]=p2&items[][price]=p1"))
        .isNotEqualTo(base);
    assertThat(fingerprint("sk_b", "acct_1", "name=Ada+L&items[][price]=p1&items[][price]=p2"))
        .isNotEqualTo(base);
    assertThat(fingerprint("sk_a", "acct_2", "name=Ada+L&items[][price]=p1&items[][price]=p2"))
        .isNotEqualTo(base);
    assertThat(base).doesNotContain("sk_a").hasSizeLessThan(64);
  }
}
