/**
 * stripe-sim: a stateful Stripe API simulator with Stripe's limits, latency, faults, idempotency
 * and webhooks. Start one with {@link dev.stripeedge.sim.StripeSim#start}.
 */
@NullMarked
package dev.stripeedge.sim;

import org.jspecify.annotations.NullMarked;
