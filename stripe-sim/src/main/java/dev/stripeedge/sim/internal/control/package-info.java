/** The {@code /_sim/} control API: reset, configuration, clock, out-of-band changes, counters. */
@NullMarked
package dev.stripeedge.sim.internal.control;

import org.jspecify.annotations.NullMarked;
