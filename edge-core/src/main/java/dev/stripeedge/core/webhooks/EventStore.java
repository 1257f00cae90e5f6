package dev.stripeedge.core.webhooks;

import java.time.Duration;

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
   * Whether this edge runs the fleet-wide job {@code job} ({@link #RECONCILER}, {@link
   * #DRIFT_AUDIT}) for the next {@code ttl}: takes the job's lease when nobody holds it, renews it
   * when this edge does. A store only this edge uses always answers true (the default).
   *
   * <p>Taking a lease gives a new fencing token; while this edge holds the {@link #RECONCILER}
   * lease, {@link #advance} carries its token and fails ({@link IllegalStateException}) once
   * another edge has taken the lease over, so a paused former leader never moves the cursor back.
   *
   * @throws IllegalStateException the store cannot be reached (the caller skips the job)
   */
  default boolean lead(String job, Duration ttl) {
    return true;
  }
}
