package dev.stripeedge.core;

import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * Makes every POST safe to retry by giving it an {@code Idempotency-Key} before its first attempt.
 *
 * <p>Stateless and thread-safe when the random source is.
 */
public final class IdempotencyKeys {

  /** The header, as Stripe spells it. */
  public static final String HEADER = "Idempotency-Key";

  private IdempotencyKeys() {}

  /**
   * {@code request} unchanged if it is not a POST or already has a key, otherwise a copy with a
   * fresh UUID v4 key drawn from {@code random}.
   */
  public static EdgeRequest ensure(EdgeRequest request, RandomGenerator random) {
    if (!request.method().equals("POST") || request.header(HEADER) != null) {
      return request;
    }
    return request.withHeader(HEADER, newKey(random));
  }

  /** A new key, as {@link #ensure} makes: a random (version 4) UUID from {@code random}. */
  public static String newKey(RandomGenerator random) {
    return uuid4(random).toString();
  }

  /** A version 4 (random) UUID from {@code random}, RFC 9562 §5.4. */
  static UUID uuid4(RandomGenerator random) {
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & ~(0xC000_0000_0000_0000L)) | 0x8000_0000_0000_0000L;
    return new UUID(high, low);
  }
}
