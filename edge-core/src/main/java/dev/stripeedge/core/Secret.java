package dev.stripeedge.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/**
 * A value that must never be shown: an API key, a {@code whsec_…} signing secret, a tier key, a
 * token, a URI with a password in it.
 *
 * <p>{@link #toString()} is {@code ***} (empty: {@code none}), so a secret printed with the record
 * that holds it, logged or put in an exception message shows nothing; only {@link #reveal()} gives
 * the value, at the one place that uses it. Equality compares values in constant time. Immutable.
 */
public final class Secret {

  private static final Secret NONE = new Secret("");

  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  /** The secret {@code value}, stripped of surrounding blanks; blank is {@link #none()}. */
  public static Secret of(String value) {
    String stripped = value.strip();
    return stripped.isEmpty() ? NONE : new Secret(stripped);
  }

  /** No secret. */
  public static Secret none() {
    return NONE;
  }

  /** The value, for the one place that uses it; never log it. */
  public String reveal() {
    return value;
  }

  /** Whether no secret is set. */
  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof Secret secret
        && MessageDigest.isEqual(
            value.getBytes(StandardCharsets.UTF_8), secret.value.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    // Not derived from the value: a hash narrows a secret down.
    return value.isEmpty() ? 0 : 1;
  }

  @Override
  public String toString() {
    return value.isEmpty() ? "none" : "***";
  }
}
