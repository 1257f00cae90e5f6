/**
 * Webhook signing and delivery for the Stripe simulator: Stripe-compatible {@code Stripe-Signature}
 * headers and an at-least-once HTTP dispatcher with retries and fault injection.
 */
@NullMarked
package dev.stripeedge.sim.internal.webhooks;

import org.jspecify.annotations.NullMarked;
