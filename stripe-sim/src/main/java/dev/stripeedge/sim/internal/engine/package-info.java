/**
 * The simulated API: accounts, stored objects, limits, idempotency, events, and the request
 * pipeline that ties them together.
 */
@NullMarked
package dev.stripeedge.sim.internal.engine;

import org.jspecify.annotations.NullMarked;
