package dev.stripeedge.sim.internal.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds Stripe's {@code Stripe-Signature} header byte-for-byte compatible with stripe-java's
 * {@code Webhook.Signature.verifyHeader}.
 *
 * <p>Stateless and thread-safe; never blocks. Throws {@link IllegalArgumentException} for an empty
 * secret list or an empty secret.
 */
public final class WebhookSigner {
  /** Name of the HTTP header carrying the signature. */
  public static final String HEADER = "Stripe-Signature";

  /**
   * Key for the test-mode {@code v0} entry. Stripe signs v0 with a key the endpoint never sees, so
   * receivers must ignore it; a fixed fake key reproduces that without pretending to be real.
   */
  static final String V0_FAKE_SECRET = "whsec_stripe_sim_v0_not_an_endpoint_secret";

  private static final String ALGORITHM = "HmacSHA256";

  private WebhookSigner() {}

  /**
   * Returns {@code t=<timestamp>,v1=<hmac>[,v1=<hmac>...][,v0=<hmac>]}, one {@code v1} per secret
   * in the given order and a trailing {@code v0} in test mode, as Stripe sends it.
   */
  public static String header(
      byte[] payload, List<String> secrets, long timestamp, boolean testMode) {
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one secret is required");
    }
    StringBuilder header = new StringBuilder(32 + 68 * (secrets.size() + 1));
    header.append("t=").append(timestamp);
    for (String secret : secrets) {
      header.append(",v1=").append(signature(secret, timestamp, payload));
    }
    if (testMode) {
      header.append(",v0=").append(signature(V0_FAKE_SECRET, timestamp, payload));
    }
    return header.toString();
  }

  /**
   * Returns the lowercase hex HMAC-SHA256 of {@code "<timestamp>.<payload>"} keyed with the UTF-8
   * bytes of the whole secret, {@code whsec_} prefix included.
   */
  public static String signature(String secret, long timestamp, byte[] payload) {
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("secret must not be empty");
    }
    // stripe-java verifies over the body decoded to a String and re-encoded as UTF-8; doing the
    // same round trip keeps us identical to it even for bodies that are not valid UTF-8.
    String signed = timestamp + "." + new String(payload, StandardCharsets.UTF_8);
    try {
      // Mac instances are not thread-safe, and creating one is cheap next to an HTTP round trip.
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
      return HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      // HmacSHA256 is mandatory on every JRE, so this means a broken runtime.
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
