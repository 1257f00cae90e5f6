package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.ObjectChange;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * When an event's copy of an object may replace a cached plain retrieve of it: a pure rule, judged
 * on Stripe's clock where it can be.
 */
final class EventCopyRule {

  /**
   * A fill from Stripe must have been stored this long before an event's second for the event's
   * copy to replace it: the edge's clock and Stripe's may differ by this much (NTP keeps them far
   * closer; a wrong guess costs at most an event copy's lifetime of an older copy).
   */
  static final long CLOCK_TOLERANCE_MILLIS = 500;

  private EventCopyRule() {}

  /** What an event does to a cached plain retrieve of its object. */
  enum Verdict {
    /** The entry predates the event: the event's copy replaces it. */
    COPY,
    /** Stripe answered the entry after the event's second: it already shows the change. */
    KEEP,
    /** Which came first cannot be told: drop it. */
    DROP
  }

  /**
   * The mark an event's copy carries among its entry's ids: the event second its body shows.
   *
   * @param changedAtSeconds the event's {@code created}
   */
  record Mark(long changedAtSeconds) {
    private static final String PREFIX = "changed-at:";

    String key() {
      return PREFIX + changedAtSeconds;
    }

    /** The mark among {@code ids}, or null when the entry is not an event's copy. */
    static @Nullable Mark in(Set<String> ids) {
      for (String id : ids) {
        if (id.startsWith(PREFIX)) {
          return new Mark(Long.parseLong(id.substring(PREFIX.length())));
        }
      }
      return null;
    }
  }

  /**
   * Whether an entry under {@code key} holding {@code body} was cached for {@code account} (null:
   * the platform's own) and holds an object of {@code type}. An event about another account or
   * another type of object (a mistake, or a signed event naming someone else's id) may invalidate
   * the entry but never replace it.
   */
  static boolean sameSubject(
      CacheKey key, byte[] body, @Nullable String account, @Nullable String type) {
    String cachedFor = HmacCacheKeys.accountOf(key);
    return cachedFor != null
        && cachedFor.equals(account == null ? "" : account)
        && type != null
        && type.equals(ObjectIds.typeOf(body));
  }

  /**
   * Judges an entry ({@code ids}, {@code response}, stored at {@code storedAtMillis} on our clock)
   * against {@code change}: an earlier event's copy by its event second (or, in the same second,
   * when {@code followsTie}: {@code change} was shown to follow the event applied last); Stripe's
   * answer by its {@code Date} (dated in the event's second or before: copy, since a second change
   * within that second is the one case no rule can see and the copy lives only seconds; dated
   * after: keep). Without a date, by our own clock: stored before the event's second began, give or
   * take the clocks' difference.
   */
  static Verdict verdict(
      Set<String> ids,
      EdgeResponse response,
      ObjectChange change,
      long storedAtMillis,
      boolean followsTie) {
    Mark mark = Mark.in(ids);
    if (mark != null) {
      long copied = mark.changedAtSeconds();
      return copied < change.changedAtSeconds()
              || (copied == change.changedAtSeconds() && followsTie)
          ? Verdict.COPY
          : Verdict.DROP;
    }
    String date = response.header("date");
    if (date != null) {
      try {
        long dated =
            ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        return dated <= change.changedAtSeconds() ? Verdict.COPY : Verdict.KEEP;
      } catch (DateTimeParseException e) {
        // Not a date Stripe would send: judge by our own clock below.
      }
    }
    return storedAtMillis + CLOCK_TOLERANCE_MILLIS < change.changedAtSeconds() * 1000
        ? Verdict.COPY
        : Verdict.DROP;
  }
}
