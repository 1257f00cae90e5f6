package dev.stripeedge.core.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A durable store of webhook events: the ledger (dedupe, journal, reconciliation cursor) and the
 * forwarding outbox together, so an event and its forwards are recorded in one transaction.
 *
 * <p>A store several edges share (Redis, DynamoDB) also elects which edge runs each fleet-wide job
 * ({@link #lead}): one reconciler and one drift audit per fleet, not one per edge.
 */
public interface EventStore extends EventLedger, WebhookOutbox {

  /** The reconciler's lease: its holder's fencing token guards every cursor write. */
  String RECONCILER = "reconciler";

  /** The drift audit's lease. */
  String DRIFT_AUDIT = "drift-audit";

  /**
   * The journal sweep's lease: one edge per fleet applies unapplied events again, not every edge
   * against the same shared journal.
   */
  String JOURNAL = "journal";

  /** The lease a shared store's {@link #heartbeat} writes: a write of the edge's own, job-less. */
  String HEARTBEAT = "heartbeat";

  /** {@link #record(StripeEvent, Instant, byte[], List)} with nothing to forward. */
  @Override
  default Recorded record(StripeEvent event, Instant receivedAt) {
    return record(event, receivedAt, new byte[0], List.of());
  }

  /** A store queues the deliveries: it records and queues in one durable step. */
  @Override
  Recorded record(StripeEvent event, Instant receivedAt, byte[] payload, List<String> forwardTo);

  /**
   * Whether this edge runs the fleet-wide job {@code job} ({@link #RECONCILER}, {@link
   * #DRIFT_AUDIT}, {@link #JOURNAL}) for the next {@code ttl}: takes the job's lease when nobody
   * holds it, renews it when this edge does. A store only this edge uses always answers true (the
   * default).
   *
   * <p>Taking a lease gives a new fencing token; once this edge has taken the {@link #RECONCILER}
   * lease, every cursor write ({@link #advance}, for the platform and connected accounts) carries
   * its last token and fails ({@link IllegalStateException}) after another edge has taken the lease
   * over, so a paused former leader never moves a cursor back.
   *
   * @throws IllegalStateException the store cannot be reached (the caller skips the job)
   */
  default boolean lead(String job, Duration ttl) {
    return true;
  }

  /**
   * Proves the store takes a write at {@code now} (for readiness): a small write of the edge's own,
   * nothing a Stripe event depends on. The default has nothing to prove (a store in memory).
   *
   * @throws IllegalStateException the store cannot write
   */
  default void heartbeat(Instant now) {}
}
