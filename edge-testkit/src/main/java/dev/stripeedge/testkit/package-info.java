/**
 * Test support shipped as main code: fake time ({@link dev.stripeedge.testkit.FakeTime}: ticker,
 * scheduler and wall clock together), polling waits for real servers ({@link
 * dev.stripeedge.testkit.Waits}), contract tests for the SPIs of edge-core that other modules
 * implement ({@link dev.stripeedge.testkit.TierContract}, {@link
 * dev.stripeedge.testkit.SharedBudgetContract}) with an in-memory shared budget ({@link
 * dev.stripeedge.testkit.MemorySharedBudget}), and JUnit 5 extensions that run real servers ({@link
 * dev.stripeedge.testkit.RedisServerExtension}, {@link
 * dev.stripeedge.testkit.RedisClusterExtension}).
 */
@NullMarked
package dev.stripeedge.testkit;

import org.jspecify.annotations.NullMarked;
