package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.net.Webhook;
import dev.stripeedge.core.webhooks.SignatureCheck.Reason;
import dev.stripeedge.sim.internal.webhooks.WebhookSigner;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StripeSignatureTest {

  private static final String SECRET = "whsec_test_secret";
  private static final String OLD_SECRET = "whsec_old_secret";
  private static final long NOW = 1_800_000_000L;
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
  private static final String PAYLOAD = "{\"id\":\"evt_1\",\"object\":\"event\"}";

  private static final StripeSignature VERIFIER =
      StripeSignature.of(List.of(SECRET), StripeSignature.DEFAULT_TOLERANCE, CLOCK);

  private static String v1(String secret, long t) {
    return WebhookSigner.signature(secret, t, PAYLOAD.getBytes(StandardCharsets.UTF_8));
  }

  static Stream<Arguments> table() {
    String good = v1(SECRET, NOW);
    return Stream.of(
        Arguments.of("one matching v1", "t=" + NOW + ",v1=" + good, null),
        Arguments.of("v0 ignored", "t=" + NOW + ",v1=" + good + ",v0=abcdef", null),
        Arguments.of(
            "any of several v1", "t=" + NOW + ",v1=" + "0".repeat(64) + ",v1=" + good, null),
        Arguments.of("unknown schemes ignored", "t=" + NOW + ",v9=x,v1=" + good, null),
        Arguments.of("future timestamps pass, like stripe-java", future(), null),
        Arguments.of(
            "just inside the tolerance", "t=" + (NOW - 300) + ",v1=" + v1(SECRET, NOW - 300), null),
        Arguments.of("missing header", null, Reason.MISSING_HEADER),
        Arguments.of("blank header", "  ", Reason.MISSING_HEADER),
        Arguments.of("no timestamp", "v1=" + good, Reason.MALFORMED_HEADER),
        Arguments.of("timestamp not a number", "t=now,v1=" + good, Reason.MALFORMED_HEADER),
        Arguments.of("timestamp zero", "t=0,v1=" + good, Reason.MALFORMED_HEADER),
        Arguments.of("garbage", "garbage", Reason.MALFORMED_HEADER),
        Arguments.of("only v0", "t=" + NOW + ",v0=" + good, Reason.NO_V1_SIGNATURE),
        Arguments.of(
            "wrong secret",
            "t=" + NOW + ",v1=" + v1("whsec_other", NOW),
            Reason.SIGNATURE_MISMATCH),
        Arguments.of(
            "timestamp swapped", "t=" + (NOW - 1) + ",v1=" + good, Reason.SIGNATURE_MISMATCH),
        Arguments.of(
            "upper-case hex", "t=" + NOW + ",v1=" + good.toUpperCase(), Reason.SIGNATURE_MISMATCH),
        Arguments.of(
            "truncated signature",
            "t=" + NOW + ",v1=" + good.substring(1),
            Reason.SIGNATURE_MISMATCH),
        Arguments.of(
            "stale: a replay",
            "t=" + (NOW - 301) + ",v1=" + v1(SECRET, NOW - 301),
            Reason.STALE_TIMESTAMP));
  }

  private static String future() {
    return "t=" + (NOW + 3600) + ",v1=" + v1(SECRET, NOW + 3600);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void checksLikeStripeJava(String name, @Nullable String header, @Nullable Reason refusal) {
    SignatureCheck check = VERIFIER.verify(PAYLOAD.getBytes(StandardCharsets.UTF_8), header);

    if (refusal == null) {
      assertThat(check).isInstanceOf(SignatureCheck.Valid.class);
    } else {
      assertThat(check)
          .isInstanceOfSatisfying(
              SignatureCheck.Refused.class, r -> assertThat(r.reason()).isEqualTo(refusal));
    }
  }

  @Test
  void aChangedPayloadIsAMismatch() {
    String header = "t=" + NOW + ",v1=" + v1(SECRET, NOW);

    SignatureCheck check =
        VERIFIER.verify((PAYLOAD + " ").getBytes(StandardCharsets.UTF_8), header);

    assertThat(check)
        .isEqualTo(
            new SignatureCheck.Refused(
                Reason.SIGNATURE_MISMATCH,
                "No v1 signature matches the payload for any configured secret."));
  }

  @Test
  void headersFromStripeJavasGeneratorVerify() throws Exception {
    String header = Webhook.Signature.generateSignatureHeader(PAYLOAD, SECRET, NOW - 10);

    assertThat(VERIFIER.verify(PAYLOAD.getBytes(StandardCharsets.UTF_8), header))
        .isEqualTo(new SignatureCheck.Valid(NOW - 10));
  }

  @Test
  void whatStripeJavaRefusesWeRefuseToo() throws Exception {
    String forged = "t=" + NOW + ",v1=" + v1("whsec_other", NOW);

    assertThatThrownBy(() -> Webhook.Signature.verifyHeader(PAYLOAD, forged, SECRET, 300, CLOCK))
        .hasMessageContaining("No signatures found matching");
    assertThat(VERIFIER.verify(PAYLOAD.getBytes(StandardCharsets.UTF_8), forged))
        .isInstanceOf(SignatureCheck.Refused.class);
  }

  @Test
  void theSimulatorsRotationHeaderVerifiesWithEitherSecret() {
    byte[] payload = PAYLOAD.getBytes(StandardCharsets.UTF_8);
    String header = WebhookSigner.header(payload, List.of(SECRET, OLD_SECRET), NOW, true);

    assertThat(VERIFIER.verify(payload, header)).isInstanceOf(SignatureCheck.Valid.class);
    assertThat(
            StripeSignature.of(List.of("whsec_unrelated", OLD_SECRET), Duration.ofMinutes(5), CLOCK)
                .verify(payload, header))
        .isInstanceOf(SignatureCheck.Valid.class);
  }

  @Test
  void configurationIsValidatedWithoutRevealingSecrets() {
    assertThatThrownBy(() -> StripeSignature.of(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StripeSignature.of(List.of(SECRET, " "))).hasMessageContaining("#2");
    assertThatThrownBy(() -> StripeSignature.of(List.of(SECRET), Duration.ZERO, CLOCK))
        .hasMessageContaining("tolerance");
    assertThat(VERIFIER.toString()).doesNotContain(SECRET);
  }
}
