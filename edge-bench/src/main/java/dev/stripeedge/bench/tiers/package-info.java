/** {@code stripe-edge bench tiers}: issue 7's cache tier scenario. */
@NullMarked
package dev.stripeedge.bench.tiers;

import org.jspecify.annotations.NullMarked;
