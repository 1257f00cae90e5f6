package dev.stripeedge.core.webhooks;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The durable queue of events to forward to the application's own webhook endpoints; rows are
 * queued by {@link EventLedger#record(StripeEvent, Instant, byte[], List)} in the same step as the
 * ledger record.
 *
 * <p>A delivery is {@link State#PENDING} until the target answers 2xx ({@link State#DELIVERED}) or
 * its attempts are spent ({@link State#DEAD}); a replay puts a dead one back to pending. Ordered
 * per object: {@link #due} never returns a delivery while an earlier-queued pending one for the
 * same target and {@code data.object.id} exists. Implementations are thread-safe and block on I/O;
 * failures are {@link IllegalStateException}s.
 */
public interface WebhookOutbox {

  /**
   * Pending deliveries whose next attempt is at or before {@code now} and which no earlier pending
   * delivery (same target, same object) holds back, oldest first, at most {@code limit}.
   */
  List<Delivery> due(Instant now, int limit);

  /**
   * {@link #due(Instant, int)} for one target only: what its own lane may send next. The default
   * filters every due delivery (O(pending)); a store answers it from an index.
   */
  default List<Delivery> due(Instant now, String target, int limit) {
    return due(now, Integer.MAX_VALUE).stream()
        .filter(delivery -> delivery.target().equals(target))
        .limit(limit)
        .toList();
  }

  /** Marks delivery {@code id} delivered. */
  void delivered(long id);

  /** Records a failed attempt of {@code id}: attempts becomes {@code attempts}, next try at. */
  void retryLater(long id, int attempts, Instant nextAttemptAt, String error);

  /** Records the last failed attempt of {@code id}: it is dead until replayed. */
  void dead(long id, int attempts, String error);

  /** Every dead delivery, oldest first. */
  List<Delivery> deadLetters();

  /**
   * Puts the dead deliveries of {@code eventId} (every dead delivery when null) back to pending,
   * due at {@code now} with their attempts reset.
   *
   * @return how many were put back
   */
  int replay(@Nullable String eventId, Instant now);

  /** The earliest next attempt of any pending delivery; null when none is pending. */
  @Nullable Instant nextDue();

  /** Where a delivery stands. */
  enum State {
    PENDING,
    DELIVERED,
    DEAD
  }

  /**
   * One event for one target.
   *
   * @param id the delivery's own id, in queueing order
   * @param eventId {@code evt_…}
   * @param objectId {@code data.object.id}, the ordering key; null when the event has none
   * @param target the URL to POST to
   * @param payload the event exactly as Stripe sent it
   * @param attempts failed attempts so far
   * @param nextAttemptAt when the next attempt is due
   * @param state where it stands
   * @param lastError why the last attempt failed; null before any failure
   */
  record Delivery(
      long id,
      String eventId,
      @Nullable String objectId,
      String target,
      byte[] payload,
      int attempts,
      Instant nextAttemptAt,
      State state,
      @Nullable String lastError) {}
}
