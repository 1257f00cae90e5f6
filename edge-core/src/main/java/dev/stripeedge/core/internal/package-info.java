/** Implementations behind edge-core's API; not for use outside the edge modules. */
@NullMarked
package dev.stripeedge.core.internal;

import org.jspecify.annotations.NullMarked;
