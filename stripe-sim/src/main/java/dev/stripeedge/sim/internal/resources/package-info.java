/** Stripe's resources, one class per family, each registering its routes. */
@NullMarked
package dev.stripeedge.sim.internal.resources;

import org.jspecify.annotations.NullMarked;
