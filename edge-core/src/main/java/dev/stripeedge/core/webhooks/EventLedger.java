package dev.stripeedge.core.webhooks;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The durable memory of webhook processing: which events were received, which of those were applied
 * to the cache (a journal), and how far the reconciler has read {@code /v1/events}.
 *
 * <p>An event is recorded as received but not applied; the processor marks it {@link #markApplied
 * applied} once its invalidation reached every cache tier. Events left unapplied — the process died
 * in between, or a tier was down — are {@link #unapplied listed} and applied again at startup and
 * periodically, so a redelivery that the dedupe skips cannot leave a stale entry in a durable tier.
 *
 * <p>Backends (an embedded SQLite file by default; shared stores for several edges) pass the same
 * contract kit. Implementations are thread-safe; methods may block on I/O and must not be called on
 * an event loop. When {@link #record} returns, the entry survives a crash of the process. Failures
 * are {@link IllegalStateException}s: the caller must then not acknowledge the event.
 */
public interface EventLedger extends AutoCloseable {

  /**
   * Records {@code event} as received at {@code receivedAt} and not yet applied, with its {@link
   * StripeEvent#objectIds() object ids}, atomically with the duplicate check.
   *
   * @return {@link Recorded#NEW} the first time; {@link Recorded#DUPLICATE_EVENT} when this event
   *     id was recorded before (a redelivery); {@link Recorded#DUPLICATE_CHANGE} when another event
   *     with the same object id, type and {@code created} second was (Stripe's rare double events:
   *     the second is recorded under its own id and unapplied too, so its application is journaled
   *     and its redelivery is a {@link Recorded#DUPLICATE_EVENT})
   */
  Recorded record(StripeEvent event, Instant receivedAt);

  /**
   * Records {@code event} like {@link #record(StripeEvent, Instant)} and, when it is {@link
   * Recorded#NEW}, queues one forwarding of {@code payload} per URL in {@code forwardTo}, in the
   * same durable step: when this returns, neither the record nor the deliveries can be lost.
   *
   * <p>The default accepts no targets: a backend without a {@link WebhookOutbox} must refuse rather
   * than drop deliveries silently.
   *
   * @throws IllegalStateException the backend failed, or it cannot queue deliveries
   */
  default Recorded record(
      StripeEvent event, Instant receivedAt, byte[] payload, List<String> forwardTo) {
    if (!forwardTo.isEmpty()) {
      throw new IllegalStateException(getClass().getSimpleName() + " cannot queue deliveries");
    }
    return record(event, receivedAt);
  }

  /** Whether an event with this id was recorded. */
  boolean contains(String eventId);

  /**
   * Marks the events with these ids applied: their invalidation reached every tier. Unknown ids are
   * ignored. Need not be durable at once: a mark lost in a crash only costs one more (harmless)
   * application.
   */
  void markApplied(Collection<String> eventIds);

  /**
   * Up to {@code limit} events recorded before {@code receivedBefore} and not marked applied, in
   * the order they were recorded.
   */
  List<Unapplied> unapplied(Instant receivedBefore, int limit);

  /**
   * An event recorded but not known to be applied.
   *
   * @param eventId its id
   * @param objectIds the ids to invalidate (the event's object and those expanded in it)
   * @param receivedAt when it was recorded
   */
  record Unapplied(String eventId, Set<String> objectIds, Instant receivedAt) {
    public Unapplied {
      objectIds = Set.copyOf(objectIds);
    }
  }

  /**
   * The id of the newest event the reconciler has read; empty when its first pass found no event;
   * null before its first pass. The platform's cursor: {@link #cursor(String) cursor("")}.
   */
  default @Nullable String cursor() {
    return cursor("");
  }

  /** Moves the reconciliation cursor to {@code eventId} (may be empty), durably. */
  default void advance(String eventId) {
    advance("", eventId);
  }

  /**
   * The cursor of {@code account}'s events ({@code /v1/events} listed with {@code Stripe-Account});
   * the platform's ({@link #cursor()}) for {@code ""}. Null before the account's first pass.
   */
  @Nullable String cursor(String account);

  /** Moves {@code account}'s cursor ({@link #advance(String)} for {@code ""}), durably. */
  void advance(String account, String eventId);

  /**
   * The connected accounts whose events were recorded ({@link StripeEvent#account()}), each once,
   * in an order that stays the same as accounts are added (the reconciler rotates through it).
   */
  default List<String> accounts() {
    return List.of();
  }

  /** Releases the backend; further calls fail. */
  @Override
  void close();

  /** What {@link #record} found. */
  enum Recorded {
    /** Never seen: apply it. */
    NEW,
    /** The same event again (Stripe redelivers): nothing to do. */
    DUPLICATE_EVENT,
    /**
     * A second event for the same change of the same object (same object, type and second): apply
     * it (two real changes may share a second), but it is not a new change (not forwarded).
     */
    DUPLICATE_CHANGE
  }

  /** A ledger in memory: for tests and for an edge that accepts losing it on restart. */
  static EventLedger inMemory() {
    return new InMemoryEventLedger();
  }
}
