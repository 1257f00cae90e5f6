/** Issue 12's load-levelling benchmark: a burst of writes, synchronous against asynchronous. */
@NullMarked
package dev.stripeedge.bench.async;

import org.jspecify.annotations.NullMarked;
