package dev.stripeedge.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A keyed hash (HMAC-SHA256 under a per-process secret) that stands for an API key wherever the
 * edge must tell keys apart without holding them: cache keys, budget accounts. Thread-safe.
 */
public final class ApiKeyHasher {

  private static final String ALGORITHM = "HmacSHA256";
  // An edge sees few distinct keys; remembering their hashes takes the HMAC off the hit path.
  private static final int MAX_REMEMBERED_KEYS = 10_000;

  private final SecretKeySpec secret;
  // Mac instances are not thread-safe; one per thread avoids a lock on the hit path.
  private final ThreadLocal<Mac> macs;
  private final Map<String, String> hashes = new ConcurrentHashMap<>();

  /**
   * @throws IllegalArgumentException when the secret is shorter than 32 bytes
   */
  public ApiKeyHasher(byte[] secret) {
    if (secret.length < 32) {
      throw new IllegalArgumentException(
          "the key-hash secret must have at least 32 bytes: " + secret.length);
    }
    this.secret = new SecretKeySpec(secret.clone(), ALGORITHM);
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /** The URL-safe Base64 HMAC of {@code apiKey}. */
  public String hash(String apiKey) {
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

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(secret);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
