/** {@code stripe-edge bench overload}: issue 5's open-loop overload scenario. */
@NullMarked
package dev.stripeedge.bench.overload;

import org.jspecify.annotations.NullMarked;
