package dev.stripeedge.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.IdempotencyConfig;
import dev.stripeedge.core.IdempotencyKeys;
import dev.stripeedge.core.Ticker;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The idempotency keys the edge made for clients' unkeyed writes whose outcome was ambiguous, by a
 * fingerprint of the write, for {@link IdempotencyConfig#rememberFor}. A client that retries such a
 * write without a key of its own (stripe-java with {@code maxNetworkRetries(0)} sends none) then
 * reaches Stripe under the first attempt's key and cannot create twice.
 *
 * <p>Only ambiguous outcomes are remembered: two identical writes that each got a clear answer are
 * two writes. Thread-safe; never blocks beyond Caffeine's short locks.
 */
final class UnkeyedWrites {

  /**
   * What an unkeyed write's answer means for its key.
   *
   * <ul>
   *   <li>{@code AMBIGUOUS}: no answer, or a {@code 5xx}: Stripe may have applied it, remember.
   *   <li>{@code PENDING}: a {@code 409} or {@code 429} to a reused key: the first attempt's
   *       outcome is still unknown (in flight at Stripe, or this one was refused before acting),
   *       keep remembering.
   *   <li>{@code SETTLED}: any other answer; Stripe would replay it under the key: forget.
   * </ul>
   */
  enum Outcome {
    AMBIGUOUS,
    PENDING,
    SETTLED
  }

  /** The rule: what an answer with {@code status} (null: none) means for the write's key. */
  static Outcome outcome(@Nullable Integer status) {
    if (status == null || status >= 500) {
      return Outcome.AMBIGUOUS;
    }
    return status == 409 || status == 429 ? Outcome.PENDING : Outcome.SETTLED;
  }

  private final @Nullable Cache<String, String> keys;
  private final IdempotencyConfig config;

  UnkeyedWrites(IdempotencyConfig config, Ticker ticker) {
    this.config = config;
    this.keys =
        config.enabled()
            ? Caffeine.newBuilder()
                .maximumSize(config.maxRemembered())
                .expireAfterWrite(config.rememberFor())
                .ticker(ticker::nanos)
                .executor(Runnable::run)
                .build()
            : null;
  }

  /** Whether {@code request} is a write this memory looks after: a POST without a key. */
  boolean covers(EdgeRequest request) {
    return keys != null
        && request.method().equals("POST")
        && request.header(IdempotencyKeys.HEADER) == null;
  }

  /**
   * The fingerprint of {@code request}, whose cache key (method, path, canonical query, account,
   * context, API version, keyed hash of the API key) is {@code key}: that and its canonical body
   * (form parameters decoded and re-encoded in their order, other bodies as they are), hashed.
   */
  static String fingerprint(CacheKey key, EdgeRequest request) {
    String type = request.header("content-type");
    byte[] body =
        type != null
                && type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")
            ? FormCodec.canonical(new String(request.body(), StandardCharsets.ISO_8859_1))
                .getBytes(StandardCharsets.UTF_8)
            : request.body();
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(key.value().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
      sha.update(body);
      return Base64.getEncoder().withoutPadding().encodeToString(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The key remembered for {@code fingerprint}, or null. */
  @Nullable String recall(String fingerprint) {
    return keys == null ? null : keys.getIfPresent(fingerprint);
  }

  /**
   * Records what the write with {@code fingerprint}, sent under {@code key}, came to.
   *
   * @return whether the key is remembered now
   */
  boolean settle(String fingerprint, String key, Outcome outcome) {
    if (keys == null) {
      return false;
    }
    switch (outcome) {
      // The window counts from the first ambiguous answer: a repeat that is ambiguous again
      // (Stripe replays a saved 500) must not keep a write from ever being tried afresh.
      // A 409 or the budget's 429 may close an exchange whose earlier attempt timed out: keep
      // the key as for an ambiguous answer (Stripe saves no result for either, so nothing is
      // replayed by mistake).
      case AMBIGUOUS, PENDING -> keys.asMap().putIfAbsent(fingerprint, key);
      case SETTLED -> keys.invalidate(fingerprint);
    }
    return keys.getIfPresent(fingerprint) != null;
  }

  /** How long a key is remembered after an ambiguous answer. */
  IdempotencyConfig config() {
    return config;
  }
}
