package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.internal.ApiKeys;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Names the Stripe account a request spends the budget of: a keyed hash of the API key (never the
 * key), plus {@code Stripe-Account} and {@code Stripe-Context}. Thread-safe.
 */
final class AccountKeys {

  private static final String ALGORITHM = "HmacSHA256";
  private static final int MAX_REMEMBERED_KEYS = 10_000;

  private final SecretKeySpec secret;
  private final ThreadLocal<Mac> macs;
  private final Map<String, String> hashes = new ConcurrentHashMap<>();

  AccountKeys(byte[] secret) {
    if (secret.length < 32) {
      throw new IllegalArgumentException(
          "the key-hash secret must have at least 32 bytes: " + secret.length);
    }
    this.secret = new SecretKeySpec(secret.clone(), ALGORITHM);
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(secret);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  String of(EdgeRequest request) {
    String apiKey = ApiKeys.of(request);
    String account = request.header("stripe-account");
    String context = request.header("stripe-context");
    return (apiKey == null ? "-" : hash(apiKey))
        + ' '
        + (account == null ? "" : account.strip())
        + ' '
        + (context == null ? "" : context.strip());
  }

  private String hash(String apiKey) {
    String known = hashes.get(apiKey);
    if (known != null) {
      return known;
    }
    byte[] digest = macs.get().doFinal(apiKey.getBytes(StandardCharsets.UTF_8));
    String hashed = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    if (hashes.size() >= MAX_REMEMBERED_KEYS) {
      hashes.clear(); // a flood of distinct keys: start again rather than grow
    }
    hashes.put(apiKey, hashed);
    return hashed;
  }
}
