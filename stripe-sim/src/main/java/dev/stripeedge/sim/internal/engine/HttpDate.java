package dev.stripeedge.sim.internal.engine;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} header Stripe's responses carry (RFC 9110 IMF-fixdate, second resolution),
 * formatted once per second: a response costs a volatile read. Thread-safe.
 */
final class HttpDate {

  // Not RFC_1123_DATE_TIME: IMF-fixdate wants a two-digit day.
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private record Formatted(long epochSecond, String text) {}

  private volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

  String format(long epochSecond) {
    Formatted current = last;
    if (current.epochSecond() != epochSecond) {
      current = new Formatted(epochSecond, FORMAT.format(Instant.ofEpochSecond(epochSecond)));
      last = current;
    }
    return current.text();
  }
}
