package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.ListQuery;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Small helpers the billing resources share: metadata, currencies, periods, lookups. Stateless. */
final class Billing {

  static final List<String> INTERVALS = List.of("day", "week", "month", "year");

  private static final Pattern CURRENCY = Pattern.compile("[a-z]{3}");

  private Billing() {}

  /** Applies the {@code metadata} parameter to the object's current metadata. */
  @SuppressWarnings("unchecked")
  static void metadata(Params params, Map<String, Object> object) {
    Object current = object.get("metadata");
    Map<String, Object> metadata =
        current instanceof Map<?, ?> map ? (Map<String, Object>) map : new LinkedHashMap<>();
    object.put("metadata", params.applyMetadata("metadata", metadata));
  }

  /** A lowercase ISO currency code, or Stripe's 400 naming the parameter. */
  static String currency(Params params, String name) {
    String value = params.requiredString(name).toLowerCase(Locale.ROOT);
    if (!CURRENCY.matcher(value).matches()) {
      throw StripeError.invalid(null, "Invalid currency: " + value + ".", params.param(name));
    }
    return value;
  }

  /** Whether any object of {@code type} passes {@code filter}. */
  static boolean any(Call call, String type, String objectName, Predicate<Entry> filter) {
    ListQuery one = new ListQuery(1, null, null, Long.MIN_VALUE, Long.MAX_VALUE);
    return !call.collection(type).list(one, filter, objectName).entries().isEmpty();
  }

  /** The end of a billing period that starts at {@code start}, by the calendar (UTC). */
  static long periodEnd(long start, String interval, long count) {
    ZonedDateTime from = Instant.ofEpochSecond(start).atZone(ZoneOffset.UTC);
    ZonedDateTime to =
        switch (interval) {
          case "day" -> from.plusDays(count);
          case "week" -> from.plusWeeks(count);
          case "year" -> from.plusYears(count);
          default -> from.plusMonths(count);
        };
    return to.toEpochSecond();
  }

  /** "true"/"false" attribute value for list filters on booleans. */
  static String flag(@Nullable Object value) {
    return String.valueOf(Boolean.TRUE.equals(value));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(@Nullable Object value) {
    return (Map<String, Object>) value;
  }

  static long number(@Nullable Object value) {
    return value instanceof Number n ? n.longValue() : 0L;
  }
}
