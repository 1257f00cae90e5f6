package dev.stripeedge.sim.internal.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes {@code application/x-www-form-urlencoded} bodies and query strings the way Stripe does.
 *
 * <p>Brackets nest: {@code a[b]=1} is a map, {@code a[]=1} appends to a list, {@code a[0][b]=1} is
 * a map keyed by index that {@link Params#list} reads as a list (stripe-java sends indexed arrays,
 * curl examples send {@code []}). Values stay strings; an empty string means "unset". Malformed
 * percent-encoding, invalid UTF-8, conflicting shapes and nesting deeper than {@link #MAX_DEPTH}
 * are 400s. Stateless and thread-safe.
 */
public final class FormDecoder {

  /** Deepest bracket nesting accepted ({@code a[b][c][d][e][f]...}). */
  public static final int MAX_DEPTH = 8;

  /** Most key/value pairs in one request. */
  public static final int MAX_PAIRS = 4096;

  private FormDecoder() {}

  /** Decodes a form body or raw query string; an empty input gives an empty map. */
  public static Map<String, Object> decode(String encoded) {
    Map<String, Object> root = new LinkedHashMap<>();
    if (encoded.isEmpty()) {
      return root;
    }
    int pairs = 0;
    int start = 0;
    while (start <= encoded.length()) {
      int end = encoded.indexOf('&', start);
      if (end < 0) {
        end = encoded.length();
      }
      if (end > start) {
        if (++pairs > MAX_PAIRS) {
          throw StripeError.invalid(null, "Too many parameters (at most " + MAX_PAIRS + ").", null);
        }
        String pair = encoded.substring(start, end);
        int eq = pair.indexOf('=');
        String key = percentDecode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : percentDecode(pair.substring(eq + 1));
        put(root, key, value);
      }
      start = end + 1;
    }
    return root;
  }

  private static void put(Map<String, Object> root, String key, String value) {
    List<String> path = parseKey(key);
    Object container = root;
    for (int i = 0; i < path.size(); i++) {
      String segment = path.get(i);
      boolean last = i == path.size() - 1;
      String next = last ? null : path.get(i + 1);
      Object child = last ? value : (next.isEmpty() ? new ArrayList<>() : new LinkedHashMap<>());
      container = descend(container, segment, child, last, key);
    }
  }

  @SuppressWarnings("unchecked")
  private static Object descend(
      Object container, String segment, Object fresh, boolean last, String key) {
    if (container instanceof List<?> list) {
      if (!segment.isEmpty()) {
        throw conflict(key);
      }
      // Every a[]... key starts a new element, as clients that send [] expect.
      ((List<Object>) list).add(fresh);
      return fresh;
    }
    Map<String, Object> map = (Map<String, Object>) container;
    if (segment.isEmpty()) {
      throw conflict(key);
    }
    if (last) {
      Object previous = map.get(segment);
      if (previous != null && !(previous instanceof String)) {
        throw conflict(key);
      }
      map.put(segment, fresh);
      return fresh;
    }
    Object existing = map.get(segment);
    if (existing == null) {
      map.put(segment, fresh);
      return fresh;
    }
    if (existing instanceof String || existing.getClass() != fresh.getClass()) {
      throw conflict(key);
    }
    return existing;
  }

  /** {@code a[b][0][]} → [a, b, 0, ""]. */
  private static List<String> parseKey(String key) {
    int open = key.indexOf('[');
    if (key.isEmpty() || open == 0) {
      throw StripeError.invalid(null, "Invalid parameter name: '" + abbreviate(key) + "'.", null);
    }
    List<String> path = new ArrayList<>(4);
    if (open < 0) {
      path.add(key);
      return path;
    }
    path.add(key.substring(0, open));
    int i = open;
    while (i < key.length()) {
      if (key.charAt(i) != '[') {
        throw malformed(key);
      }
      int close = key.indexOf(']', i);
      if (close < 0) {
        throw malformed(key);
      }
      path.add(key.substring(i + 1, close));
      if (path.size() > MAX_DEPTH + 1) {
        throw StripeError.invalid(
            null,
            "Parameter '%s' is nested too deeply (at most %d levels)."
                .formatted(abbreviate(key), MAX_DEPTH),
            path.get(0));
      }
      i = close + 1;
    }
    return path;
  }

  private static String percentDecode(String text) {
    if (text.indexOf('%') < 0 && text.indexOf('+') < 0) {
      return text;
    }
    // At most three bytes per char: a raw non-ASCII char's UTF-8 (a lone surrogate becomes one
    // '?'); an escape turns three chars into one byte. Sized by the text alone, a raw 'é' before
    // a '+' overran the array (a 500 instead of the parameters).
    byte[] out = new byte[text.length() * 3];
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '+') {
        out[n++] = ' ';
      } else if (c == '%') {
        if (i + 2 >= text.length()) {
          throw badEncoding();
        }
        int hi = Character.digit(text.charAt(i + 1), 16);
        int lo = Character.digit(text.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw badEncoding();
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else if (c < 0x80) {
        out[n++] = (byte) c;
      } else {
        // Raw non-ASCII in a form is not valid encoding, but decode it as UTF-8 like browsers do.
        byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(raw, 0, out, n, raw.length);
        n += raw.length;
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out, 0, n))
          .toString();
    } catch (CharacterCodingException e) {
      throw StripeError.invalid(
          null, "Invalid request: the body or query string is not valid UTF-8.", null);
    }
  }

  private static StripeError badEncoding() {
    return StripeError.invalid(
        null, "Invalid request: malformed percent-encoding in the body or query string.", null);
  }

  private static StripeError malformed(String key) {
    return StripeError.invalid(
        null, "Invalid parameter name: '" + abbreviate(key) + "' has unbalanced brackets.", null);
  }

  private static StripeError conflict(String key) {
    return StripeError.invalid(
        null,
        "Invalid array or hash: parameter '%s' is used with different shapes."
            .formatted(abbreviate(key)),
        key.substring(0, Math.max(1, key.indexOf('[') < 0 ? key.length() : key.indexOf('['))));
  }

  private static String abbreviate(String value) {
    return value.length() <= 100 ? value : value.substring(0, 100) + "…";
  }
}
