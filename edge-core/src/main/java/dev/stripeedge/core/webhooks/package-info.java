/**
 * Stripe webhooks and events as the edge's source of truth: {@link
 * dev.stripeedge.core.webhooks.StripeSignature} verifies deliveries, {@link
 * dev.stripeedge.core.webhooks.EventLedger} remembers what was processed, {@link
 * dev.stripeedge.core.webhooks.EventProcessor} records and applies events to the cache, and {@link
 * dev.stripeedge.core.webhooks.Reconciler} repairs dropped deliveries from {@code /v1/events}.
 */
@NullMarked
package dev.stripeedge.core.webhooks;

import org.jspecify.annotations.NullMarked;
