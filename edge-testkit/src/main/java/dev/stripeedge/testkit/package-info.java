/**
 * Test support shipped as main code: contract tests for the SPIs of edge-core that other modules
 * implement, and JUnit 5 extensions that run real servers ({@link
 * dev.stripeedge.testkit.RedisServerExtension}, {@link
 * dev.stripeedge.testkit.RedisClusterExtension}).
 */
@NullMarked
package dev.stripeedge.testkit;

import org.jspecify.annotations.NullMarked;
