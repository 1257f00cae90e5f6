/**
 * Cache tiers below the in-memory L0: the {@link dev.stripeedge.core.tier.CacheTier} SPI that
 * Redis, DynamoDB and SQLite implement, and the entry they store.
 */
@NullMarked
package dev.stripeedge.core.tier;

import org.jspecify.annotations.NullMarked;
