package dev.stripeedge.sim.internal.wire;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Stripe-like object ids ({@code cus_}, {@code pi_}, …), unique and repeatable for a seed.
 *
 * <p>Each id is a bijective mix of (seed, counter) in base 62, so ids never collide and a run with
 * the same seed and the same request order gives the same ids. Thread-safe, lock-free.
 */
public final class Ids {

  private static final char[] ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private final long seed;
  private final AtomicLong counter = new AtomicLong();

  public Ids(long seed) {
    this.seed = seed;
  }

  /** A new id such as {@code cus_1Qx7aBcDeFgHiJ2}. */
  public String next(String prefix) {
    long n = counter.incrementAndGet();
    StringBuilder id = new StringBuilder(prefix.length() + 24).append(prefix).append('_');
    appendBase62(id, mix(seed * 0x9E3779B97F4A7C15L + n), 11);
    appendBase62(id, n, 3);
    return id.toString();
  }

  /** A random-looking token of {@code length} base-62 characters (secrets, client secrets). */
  public String token(int length) {
    StringBuilder token = new StringBuilder(length);
    while (token.length() < length) {
      appendBase62(token, mix(seed ^ counter.incrementAndGet() * 0xBF58476D1CE4E5B9L), 11);
    }
    token.setLength(length);
    return token.toString();
  }

  private static void appendBase62(StringBuilder out, long value, int minDigits) {
    char[] digits = new char[13];
    int i = digits.length;
    long v = value;
    do {
      digits[--i] = ALPHABET[(int) Long.remainderUnsigned(v, 62)];
      v = Long.divideUnsigned(v, 62);
    } while (v != 0);
    while (digits.length - i < minDigits) {
      digits[--i] = '0';
    }
    out.append(digits, i, digits.length - i);
  }

  /** SplitMix64's finaliser: a bijection on 64 bits. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
