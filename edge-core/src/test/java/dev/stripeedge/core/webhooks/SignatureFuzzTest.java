package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the {@code Stripe-Signature} parser and check ({@link StripeSignature#verify}) with a
 * header from outside: it never throws, it accepts a header only when that carries the signature of
 * the payload at the accepted timestamp, and what {@link StripeSignature#header} writes it accepts
 * (a round trip). Input: the header, a newline, the payload.
 */
class SignatureFuzzTest {

  private static final String SECRET = "whsec_fuzz_secret";
  private static final long NOW = 1_760_000_000L;
  private static final StripeSignature VERIFIER =
      StripeSignature.of(
          List.of(SECRET),
          Duration.ofSeconds(300),
          Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));

  @FuzzTest(maxDuration = "30s")
  void signatureHeader(byte[] data) {
    int newline = indexOf(data, (byte) '\n');
    String header =
        new String(data, 0, newline < 0 ? data.length : newline, StandardCharsets.ISO_8859_1);
    byte[] payload = newline < 0 ? new byte[0] : Arrays.copyOfRange(data, newline + 1, data.length);

    SignatureCheck check = VERIFIER.verify(payload, header);

    if (check instanceof SignatureCheck.Valid valid) {
      String expected = StripeSignature.header(SECRET, valid.timestamp(), payload);
      assertThat(header).contains(expected.substring(expected.indexOf(",v1=") + ",v1=".length()));
      assertThat(valid.timestamp()).isGreaterThanOrEqualTo(NOW - 300);
    } else if (check instanceof SignatureCheck.Refused refused) {
      assertThat(refused.message()).doesNotContain(SECRET).hasSizeLessThan(200);
    }
    long signedAt = NOW - Math.floorMod(Arrays.hashCode(data), 300);
    assertThat(VERIFIER.verify(payload, StripeSignature.header(SECRET, signedAt, payload)))
        .isEqualTo(new SignatureCheck.Valid(signedAt));
  }

  private static int indexOf(byte[] data, byte value) {
    for (int i = 0; i < data.length; i++) {
      if (data[i] == value) {
        return i;
      }
    }
    return -1;
  }
}
