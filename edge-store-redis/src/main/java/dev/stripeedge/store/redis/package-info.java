/**
 * The Redis cache tier: {@link dev.stripeedge.store.redis.RedisTier}, configured by {@link
 * dev.stripeedge.store.redis.RedisTierConfig}; standalone or cluster, through Lettuce.
 */
@NullMarked
package dev.stripeedge.store.redis;

import org.jspecify.annotations.NullMarked;
