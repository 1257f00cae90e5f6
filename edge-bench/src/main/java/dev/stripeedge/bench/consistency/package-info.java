/** Issue 17's differential check: reads after writes through the edge against the upstream. */
@NullMarked
package dev.stripeedge.bench.consistency;

import org.jspecify.annotations.NullMarked;
