package dev.stripeedge.core.webhooks;

/**
 * A durable store of webhook events: the ledger (dedupe, journal, reconciliation cursor) and the
 * forwarding outbox together, so an event and its forwards are recorded in one transaction.
 */
public interface EventStore extends EventLedger, WebhookOutbox {}
