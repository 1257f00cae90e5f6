package dev.stripeedge.store.redis;

import dev.stripeedge.core.budget.SharedBudgetConfig;

/**
 * The budget shared through Redis ({@code budget.shared.redis}): each account's global and
 * per-endpoint rates hold for every edge together (leases of a few tokens from a Lua token bucket).
 * While Redis fails or is slow, each edge spends the rates divided by the edges last seen alive.
 * Edges sharing a budget need the same {@code cacheKeySecret}.
 *
 * @param redis how to reach Redis (its timeout is also the shaper's: a slower answer falls back)
 * @param leases how tokens are leased: batch size, lifetime, heartbeat
 */
public record RedisBudgetSettings(RedisSettings redis, SharedBudgetConfig leases) {}
