/** JMH micro-benchmarks of the edge. */
@NullMarked
package dev.stripeedge.bench;

import org.jspecify.annotations.NullMarked;
