package dev.stripeedge.store.redis;

import dev.stripeedge.core.Secret;
import java.time.Duration;
import java.util.List;

/**
 * The Redis event store in configuration ({@code store.redis}, used when {@code store.backend:
 * redis}): the webhook ledger, cursor and outbox every edge on this server shares.
 *
 * @param uris as {@link RedisSettings#uris()}; may carry a password
 * @param cluster whether {@code uris} are Redis Cluster nodes
 * @param keyPrefix put before every key, so deployments can share a server
 * @param timeout longest wait for one command
 * @param retention how long events (the dedupe window) and delivered forwards are kept; longer than
 *     Stripe's retries (3 days)
 */
public record RedisStoreSettings(
    List<Secret> uris, boolean cluster, String keyPrefix, Duration timeout, Duration retention) {

  public RedisStoreSettings {
    uris = uris.stream().filter(uri -> !uri.isEmpty()).toList();
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("store.redis.timeout must be positive: " + timeout);
    }
    if (retention.compareTo(Duration.ofHours(1)) < 0) {
      throw new IllegalArgumentException("store.redis.retention must be 1h or more: " + retention);
    }
  }

  static RedisStoreSettings defaults() {
    return new RedisStoreSettings(
        List.of(),
        false,
        RedisTierConfig.DEFAULT_KEY_PREFIX,
        Duration.ofSeconds(1),
        Duration.ofDays(7));
  }

  /** The client's settings. */
  RedisTierConfig connection() {
    if (uris.isEmpty()) {
      throw new IllegalArgumentException("store.backend is redis: store.redis.uris is empty");
    }
    return new RedisSettings(true, uris, cluster, keyPrefix, timeout).connection();
  }
}
