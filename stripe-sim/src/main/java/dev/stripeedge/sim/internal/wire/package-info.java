/** Stripe's wire format: form decoding, typed parameters, errors, JSON and ids. */
@NullMarked
package dev.stripeedge.sim.internal.wire;

import org.jspecify.annotations.NullMarked;
