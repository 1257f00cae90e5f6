/** {@code stripe-edge bench freshness}: issue 6's cache freshness scenario. */
@NullMarked
package dev.stripeedge.bench.freshness;

import org.jspecify.annotations.NullMarked;
