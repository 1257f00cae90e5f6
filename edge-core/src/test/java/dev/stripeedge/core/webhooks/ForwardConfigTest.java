package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.Secret;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ForwardConfigTest {

  private static final ForwardConfig CONFIG =
      new ForwardConfig(
          Map.of("http://127.0.0.1:3000/hook", Secret.of("whsec_app")),
          8,
          Duration.ofMillis(1000),
          Duration.ofMillis(5000),
          Duration.ofSeconds(10));

  @ParameterizedTest(name = "after {0} failures, random {1}: {2} ms")
  @CsvSource({
    "1, 0.0, 500",
    "1, 0.99999, 1000",
    "2, 0.0, 1000",
    "3, 0.5, 3000",
    "4, 0.0, 2500",
    "4, 0.99999, 5000",
    "30, 0.0, 2500"
  })
  void backoffDoublesUpToTheCapWithHalfToFullJitter(int failures, double random, long millis) {
    assertThat(CONFIG.backoff(failures, random)).isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void aTargetMustBeAnHttpUrlWithASecretThatIsNeverEchoed() {
    assertThatThrownBy(
            () ->
                new ForwardConfig(
                    Map.of("ftp://x", Secret.of("whsec_s")),
                    1,
                    Duration.ofMillis(1),
                    Duration.ofMillis(1),
                    Duration.ofMillis(1)))
        .hasMessageContaining("ftp://x");
    assertThatThrownBy(
            () ->
                new ForwardConfig(
                    Map.of("http://x", Secret.of(" ")),
                    1,
                    Duration.ofMillis(1),
                    Duration.ofMillis(1),
                    Duration.ofMillis(1)))
        .hasMessageContaining("http://x");
    assertThat(CONFIG.toString()).doesNotContain("whsec_app");
  }

  @Test
  void aForwardedHeaderPassesStripeJavasOwnCheck() throws Exception {
    byte[] payload = "{\"id\":\"evt_1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    long now = System.currentTimeMillis() / 1000;

    String header = StripeSignature.header("whsec_app", now, payload);

    assertThat(
            com.stripe.net.Webhook.Signature.verifyHeader(
                new String(payload, java.nio.charset.StandardCharsets.UTF_8),
                header,
                "whsec_app",
                300))
        .isTrue();
  }
}
