/** The sidecar: {@code stripe-edge serve}. */
@NullMarked
package dev.stripeedge.server;

import org.jspecify.annotations.NullMarked;
