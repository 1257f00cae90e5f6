/** The simulator's HTTP server. */
@NullMarked
package dev.stripeedge.sim.internal.http;

import org.jspecify.annotations.NullMarked;
