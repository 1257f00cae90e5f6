package dev.stripeedge.core;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from text before it is shown: in a log line (the CLI's logback converter) or an
 * admin answer (a webhook forwarding target's URL).
 *
 * <p>Covers secret and restricted API keys ({@code sk_…}, {@code rk_…}), webhook signing secrets
 * ({@code whsec_…}), the value of any {@code Authorization} header or field, a URL's user-info
 * ({@code https://user:password@host}) and secret-looking query or form values ({@code api_key=},
 * {@code token=}, {@code secret=}, {@code password=}…). A key keeps its prefix and last four
 * characters, as Stripe's Dashboard shows it, so an operator can still tell two keys apart.
 * Thread-safe; a text without the literals a pattern needs is returned without running it.
 */
public final class SecretRedactor {

  private static final Pattern KEY =
      Pattern.compile("\\b((?:sk|rk)_(?:test|live)_|whsec_)([A-Za-z0-9]+)");

  private static final Pattern AUTHORIZATION =
      Pattern.compile(
          "(?i)(authorization[\"']?\\s*[:=]\\s*[\"']?)((?:bearer|basic)\\s+)?[^\\s\"',;}]+");

  /** {@code scheme://user:password@}: everything between {@code //} and {@code @}. */
  private static final Pattern USER_INFO =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/?#@\\s\"'<>]+@");

  /** {@code ?api_key=…}, {@code &token=…}: the value of a parameter whose name says secret. */
  private static final Pattern SECRET_PARAMETER =
      Pattern.compile(
          "(?i)((?:^|[?&;\\s\"'])[a-z_.-]*(?:api_?key|token|secret|password|passwd|signature)"
              + "[a-z_.-]*=)[^&#;\\s\"']+");

  /** The words one of which {@link #SECRET_PARAMETER} needs in a name, lower case. */
  private static final List<String> SECRET_NAMES =
      List.of("apikey", "api_key", "token", "secret", "password", "passwd", "signature");

  private SecretRedactor() {}

  /** Returns {@code text} with every secret it holds replaced; the same instance if none. */
  public static String redact(String text) {
    // Each pattern runs only when the text holds the literal it cannot match without, so the
    // common line (a request id, an access line) costs a few scans and no regex.
    String redacted = text;
    if (containsIgnoreCase(redacted, "authorization")) {
      redacted = AUTHORIZATION.matcher(redacted).replaceAll("$1$2[redacted]");
    }
    if (redacted.indexOf('@') >= 0) {
      redacted = USER_INFO.matcher(redacted).replaceAll("$1[redacted]@");
    }
    if (redacted.indexOf('=') >= 0 && holdsSecretName(redacted)) {
      redacted = SECRET_PARAMETER.matcher(redacted).replaceAll("$1[redacted]");
    }
    if (redacted.contains("sk_") || redacted.contains("rk_") || redacted.contains("whsec_")) {
      Matcher keys = KEY.matcher(redacted);
      redacted =
          keys.replaceAll(
              match -> Matcher.quoteReplacement(match.group(1) + lastFour(match.group(2))));
    }
    return redacted;
  }

  /**
   * Whether {@code text} holds a word {@link #SECRET_PARAMETER}'s name needs (an access line
   * doesn't).
   */
  private static boolean holdsSecretName(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    for (String word : SECRET_NAMES) {
      if (lower.contains(word)) {
        return true;
      }
    }
    return false;
  }

  private static boolean containsIgnoreCase(String text, String word) {
    for (int i = 0; i + word.length() <= text.length(); i++) {
      if (text.regionMatches(true, i, word, 0, word.length())) {
        return true;
      }
    }
    return false;
  }

  private static String lastFour(String secret) {
    return secret.length() <= 8 ? "***" : "***" + secret.substring(secret.length() - 4);
  }
}
