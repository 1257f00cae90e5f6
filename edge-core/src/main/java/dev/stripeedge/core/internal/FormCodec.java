package dev.stripeedge.core.internal;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decodes and re-encodes {@code application/x-www-form-urlencoded} text (query strings, form
 * bodies) the way Stripe reads it: {@code &}-separated {@code name=value} pairs, {@code +} and
 * {@code %XX} decoded as UTF-8. Decisions about a request's parameters are taken on these decoded
 * names, never on the raw text, which a client may spell in many ways ({@code %65xpand[]}).
 *
 * <p>Pure functions: thread-safe, never block, never throw (a malformed escape is kept literally,
 * as it still identifies the request).
 */
public final class FormCodec {

  /**
   * One decoded parameter.
   *
   * @param name the decoded name, e.g. {@code expand[]}
   * @param value the decoded value, empty when the pair had no {@code =}
   */
  public record Pair(String name, String value) {}

  private FormCodec() {}

  /** The decoded pairs of {@code raw}, in their order; empty parts ({@code a=1&&b=2}) skipped. */
  public static List<Pair> decode(String raw) {
    List<Pair> pairs = new ArrayList<>();
    int start = 0;
    int length = raw.length();
    while (start <= length) {
      int amp = raw.indexOf('&', start);
      int end = amp < 0 ? length : amp;
      if (end > start) {
        String part = raw.substring(start, end);
        int eq = part.indexOf('=');
        pairs.add(
            new Pair(
                decodePart(eq < 0 ? part : part.substring(0, eq)),
                eq < 0 ? "" : decodePart(part.substring(eq + 1))));
      }
      start = end + 1;
    }
    return pairs;
  }

  /** {@code pairs} encoded as one form string, in their order (brackets left readable). */
  public static String encode(List<Pair> pairs) {
    StringBuilder out = new StringBuilder();
    for (Pair pair : pairs) {
      if (!out.isEmpty()) {
        out.append('&');
      }
      out.append(encodePart(pair.name())).append('=').append(encodePart(pair.value()));
    }
    return out.toString();
  }

  /**
   * One spelling of {@code raw}: decoded and re-encoded, pairs kept in their order (the order of
   * repeated names such as {@code items[][price]} means something to Stripe). Two forms with the
   * same canonical text carry the same parameters.
   */
  public static String canonical(String raw) {
    return encode(decode(raw));
  }

  /**
   * Whether any parameter of {@code raw}, once decoded, may ask Stripe to expand: a name containing
   * {@code expand} in any case ({@code expand[]}, {@code expand[0]}, {@code %65xpand[]}). Wider
   * than Stripe's grammar on purpose: a false yes only costs a caller an optimisation.
   */
  public static boolean expands(String raw) {
    for (Pair pair : decode(raw)) {
      if (pair.name().toLowerCase(Locale.ROOT).contains("expand")) {
        return true;
      }
    }
    return false;
  }

  private static String decodePart(String value) {
    try {
      return URLDecoder.decode(value, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      // A malformed escape: keep it literal, it still identifies the request.
      return value;
    }
  }

  private static String encodePart(String value) {
    // Brackets stay readable, as Stripe's SDKs send them.
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("%5B", "[").replace("%5D", "]");
  }
}
