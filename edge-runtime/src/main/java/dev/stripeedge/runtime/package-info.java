/**
 * The composition root: {@link dev.stripeedge.runtime.EdgeSettings} and the {@link
 * dev.stripeedge.runtime.EdgeRuntime} built from it, shared by every host (sidecar, in-process,
 * CLI).
 */
@NullMarked
package dev.stripeedge.runtime;

import org.jspecify.annotations.NullMarked;
