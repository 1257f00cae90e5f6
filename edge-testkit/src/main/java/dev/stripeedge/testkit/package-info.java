/** Contract tests for the SPIs of edge-core that other modules implement. */
@NullMarked
package dev.stripeedge.testkit;

import org.jspecify.annotations.NullMarked;
