package dev.stripeedge.core.webhooks;

import dev.stripeedge.core.SystemTime;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Verifies Stripe's {@code Stripe-Signature} header exactly as stripe-java's {@code
 * Webhook.Signature.verifyHeader} does: HMAC-SHA256 keyed with the whole {@code whsec_…} secret
 * over {@code "<t>.<payload>"}, lower-case hex, compared in constant time against every {@code v1}
 * entry.
 *
 * <p>Several secrets may be configured (rotation: Stripe signs with each live secret, so any {@code
 * v1} matching any secret passes). Like stripe-java, only the past is bounded: a timestamp older
 * than the tolerance is refused, a future one passes. Immutable and thread-safe; never blocks.
 */
public final class StripeSignature {

  /** Stripe's libraries' default: five minutes. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofSeconds(300);

  private static final String ALGORITHM = "HmacSHA256";
  private static final HexFormat HEX = HexFormat.of();

  private final List<SecretKeySpec> keys;
  private final long toleranceSeconds;
  private final Clock clock;

  private StripeSignature(List<String> secrets, Duration tolerance, Clock clock) {
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one webhook signing secret is required");
    }
    List<SecretKeySpec> specs = new ArrayList<>(secrets.size());
    for (int i = 0; i < secrets.size(); i++) {
      String secret = secrets.get(i);
      if (secret.isBlank()) {
        // Never the secret itself in a message: its position is enough to find it.
        throw new IllegalArgumentException("webhook signing secret #" + (i + 1) + " is blank");
      }
      specs.add(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
    }
    if (tolerance.isNegative() || tolerance.isZero()) {
      // stripe-java treats 0 as "no check"; a replay window that never closes is not offered.
      throw new IllegalArgumentException("tolerance must be positive: " + tolerance);
    }
    this.keys = List.copyOf(specs);
    this.toleranceSeconds = tolerance.toSeconds();
    this.clock = clock;
  }

  /** A verifier for {@code secrets} with the default tolerance and the system clock. */
  public static StripeSignature of(List<String> secrets) {
    return new StripeSignature(secrets, DEFAULT_TOLERANCE, SystemTime.clock());
  }

  /**
   * A verifier for {@code secrets}; {@code tolerance} bounds how old a timestamp may be.
   *
   * @throws IllegalArgumentException no secret, a blank secret, or a tolerance not positive
   */
  public static StripeSignature of(List<String> secrets, Duration tolerance, Clock clock) {
    return new StripeSignature(secrets, tolerance, clock);
  }

  /** Checks {@code header} (null when the request had none) against the raw {@code payload}. */
  public SignatureCheck verify(byte[] payload, @Nullable String header) {
    if (header == null || header.isBlank()) {
      return new SignatureCheck.Refused(
          SignatureCheck.Reason.MISSING_HEADER, "No Stripe-Signature header.");
    }
    long timestamp = -1;
    List<byte[]> candidates = new ArrayList<>(2);
    for (String item : header.split(",", -1)) {
      int eq = item.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String name = item.substring(0, eq).strip();
      String value = item.substring(eq + 1).strip();
      if (name.equals("t")) {
        try {
          timestamp = Long.parseLong(value);
        } catch (NumberFormatException e) {
          timestamp = -1;
        }
      } else if (name.equals("v1")) {
        candidates.add(value.getBytes(StandardCharsets.US_ASCII));
      }
    }
    if (timestamp <= 0) {
      return new SignatureCheck.Refused(
          SignatureCheck.Reason.MALFORMED_HEADER,
          "The Stripe-Signature header has no valid timestamp (t=).");
    }
    if (candidates.isEmpty()) {
      return new SignatureCheck.Refused(
          SignatureCheck.Reason.NO_V1_SIGNATURE,
          "The Stripe-Signature header has no signature with the v1 scheme.");
    }
    boolean matched = false;
    for (SecretKeySpec key : keys) {
      byte[] expected = expected(key, timestamp, payload);
      for (byte[] candidate : candidates) {
        // Constant time for equal lengths, and no early exit: every pair is compared.
        matched |= MessageDigest.isEqual(expected, candidate);
      }
    }
    if (!matched) {
      return new SignatureCheck.Refused(
          SignatureCheck.Reason.SIGNATURE_MISMATCH,
          "No v1 signature matches the payload for any configured secret.");
    }
    long now = clock.instant().getEpochSecond();
    if (timestamp < now - toleranceSeconds) {
      return new SignatureCheck.Refused(
          SignatureCheck.Reason.STALE_TIMESTAMP,
          "The signature timestamp is "
              + (now - timestamp)
              + " s old; at most "
              + toleranceSeconds
              + " s are accepted.");
    }
    return new SignatureCheck.Valid(timestamp);
  }

  /**
   * The {@code Stripe-Signature} header Stripe would send for {@code payload} signed with {@code
   * secret} at {@code timestamp} (Unix seconds): {@code t=…,v1=…}. Used to re-sign events the edge
   * forwards to the application, so it verifies them with its SDK's own check.
   *
   * @throws IllegalArgumentException a blank secret or a timestamp not positive
   */
  public static String header(String secret, long timestamp, byte[] payload) {
    if (secret.isBlank()) {
      throw new IllegalArgumentException("the signing secret is blank");
    }
    if (timestamp <= 0) {
      throw new IllegalArgumentException("timestamp must be positive: " + timestamp);
    }
    SecretKeySpec key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    return "t="
        + timestamp
        + ",v1="
        + new String(expected(key, timestamp, payload), StandardCharsets.US_ASCII);
  }

  private static byte[] expected(SecretKeySpec key, long timestamp, byte[] payload) {
    try {
      // A Mac is not thread-safe; one per check costs little next to an HTTP request.
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      mac.update(Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) '.');
      mac.update(payload);
      return HEX.formatHex(mac.doFinal()).getBytes(StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException e) {
      // HmacSHA256 is mandatory on every JRE: this is a broken runtime, not bad input.
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "StripeSignature[" + keys.size() + " secret(s), tolerance " + toleranceSeconds + " s]";
  }
}
