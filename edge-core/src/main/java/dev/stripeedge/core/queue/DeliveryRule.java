package dev.stripeedge.core.queue;

import dev.stripeedge.core.Backoff;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.isolation.Isolation;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Decides what a worker does after one delivery of a write (the pipeline's own retries already
 * spent): a pure function of the answer, the attempt and the times, unit-tested as a table.
 *
 * <ul>
 *   <li>2xx: succeeded.
 *   <li>409 (the same key still running at Stripe), 429 (Stripe's limiter or a lock), 5xx, the
 *       edge's own 502/504 (no answer) and no answer at all: delivered again after {@code min(cap,
 *       base·2^(n-1))} with full jitter, unless that was the last attempt or the next delivery
 *       would fall past the idempotency window: then dead, with why.
 *   <li>any other 4xx (400, 401, 402, 403, 404…): failed. Stripe will not change its mind.
 *   <li>the edge's own refusal, the attempt not sent: its isolation's (503 with {@code
 *       Stripe-Edge-Refused: circuit-open} or {@code bulkhead}: the write's key is failing or slow
 *       at Stripe) or its budget's (429 with {@code Stripe-Edge-Refused: budget}: the account's
 *       lane could not admit it within its longest wait): held until its {@code Retry-After} (plus
 *       up to a quarter second of jitter), without spending one of its attempts; only the
 *       idempotency window ends it.
 * </ul>
 *
 * <p>Thread-safe when the random source is.
 */
public final class DeliveryRule {

  // Spreads writes held for one breaker a little, so they do not all meet its probes at once.
  private static final long JITTER_MILLIS = 250;

  /** The {@code Stripe-Edge-Refused} code of the budget's own 429. */
  private static final String BUDGET = "budget";

  /** What to do: a closed choice. */
  public sealed interface Decision {
    /** Record success. */
    record Succeeded() implements Decision {}

    /** Record Stripe's permanent refusal. */
    record Failed() implements Decision {}

    /**
     * Deliver again.
     *
     * @param delay from now
     * @param reason what went wrong, for the status
     */
    record Retry(Duration delay, String reason) implements Decision {}

    /**
     * Deliver again later without counting this delivery: the edge held it back, Stripe never saw
     * it.
     *
     * @param delay from now
     * @param reason why, for the status
     */
    record Held(Duration delay, String reason) implements Decision {}

    /**
     * Give up.
     *
     * @param reason why, for the status and dead-letter list
     */
    record Dead(String reason) implements Decision {}
  }

  private final AsyncWriteConfig config;
  private final RandomGenerator random;

  public DeliveryRule(AsyncWriteConfig config, RandomGenerator random) {
    this.config = config;
    this.random = random;
  }

  /**
   * The decision after delivery {@code attempt} (1 for the first) of a write accepted at {@code
   * acceptedAt}, answered {@code response} (null: no answer at all).
   */
  public Decision decide(
      int attempt, @Nullable EdgeResponse response, Instant acceptedAt, Instant now) {
    int status = response == null ? 0 : response.status();
    if (status >= 200 && status < 300) {
      return new Decision.Succeeded();
    }
    Duration held = heldFor(response);
    if (held != null) {
      Duration delay = held.plusMillis(random.nextLong(JITTER_MILLIS + 1));
      String refused = String.valueOf(response == null ? "" : response.header(EdgeHeaders.REFUSED));
      if (!now.plus(delay).isBefore(acceptedAt.plus(config.keyWindow()))) {
        return new Decision.Dead(
            "held back by the edge ("
                + refused
                + ") until the idempotency key is near Stripe's 24 h window: not sent");
      }
      return new Decision.Held(delay, "held: " + refused);
    }
    boolean retryable = status == 0 || status == 409 || status == 429 || status >= 500;
    if (!retryable) {
      return new Decision.Failed();
    }
    String what = status == 0 ? "no answer" : "HTTP " + status;
    if (attempt >= config.maxAttempts()) {
      return new Decision.Dead(what + " after " + attempt + " attempts");
    }
    Duration delay = Backoff.full(config.backoffBase(), config.backoffCap(), attempt, random);
    Instant windowEnd = acceptedAt.plus(config.keyWindow());
    if (!now.plus(delay).isBefore(windowEnd)) {
      return new Decision.Dead(
          what
              + "; the idempotency key is "
              + Duration.between(acceptedAt, now).toMinutes()
              + " min old, near Stripe's 24 h window: not sent again");
    }
    return new Decision.Retry(delay, what);
  }

  /**
   * How long the edge asked to wait ({@code Retry-After}, at least a second) when it refused the
   * delivery itself, without sending it: its isolation (503 {@code circuit-open}, {@code bulkhead})
   * or its budget (429 {@code budget}: the account's lane could not admit it within its longest
   * wait); null for any other answer.
   */
  static @Nullable Duration heldFor(@Nullable EdgeResponse response) {
    if (response == null) {
      return null;
    }
    String refused = response.header(EdgeHeaders.REFUSED);
    boolean isolation =
        response.status() == 503
            && (Isolation.CIRCUIT_OPEN.equals(refused) || Isolation.BULKHEAD.equals(refused));
    boolean budget = response.status() == 429 && BUDGET.equals(refused);
    if (!isolation && !budget) {
      return null;
    }
    long seconds = 1;
    String retryAfter = response.header("retry-after");
    if (retryAfter != null) {
      try {
        seconds = Math.max(1, Long.parseLong(retryAfter.strip()));
      } catch (NumberFormatException e) {
        // the edge writes whole seconds; anything else means a second
      }
    }
    return Duration.ofSeconds(seconds);
  }
}
