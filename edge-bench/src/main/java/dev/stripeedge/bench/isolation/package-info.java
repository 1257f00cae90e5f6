/** Issue 14's isolation benchmark: one slow route beside checkout, with and without isolation. */
@NullMarked
package dev.stripeedge.bench.isolation;

import org.jspecify.annotations.NullMarked;
