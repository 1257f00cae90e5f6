/** Logging that never lets a Stripe secret through. */
@NullMarked
package dev.stripeedge.cli.logging;

import org.jspecify.annotations.NullMarked;
