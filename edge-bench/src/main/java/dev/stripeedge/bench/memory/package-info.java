/** The memory tier's heap per cached object, and its byte bound under a larger-than-memory load. */
@NullMarked
package dev.stripeedge.bench.memory;

import org.jspecify.annotations.NullMarked;
