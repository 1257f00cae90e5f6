/** A JUnit 5 extension that runs the simulator for a test class. */
@NullMarked
package dev.stripeedge.sim.junit;

import org.jspecify.annotations.NullMarked;
