/** The {@code stripe-edge} command line. */
@NullMarked
package dev.stripeedge.cli;

import org.jspecify.annotations.NullMarked;
