package dev.stripeedge.store.redis;

import dev.stripeedge.core.Secret;
import dev.stripeedge.core.spi.TierBackend;
import java.time.Duration;
import java.util.List;

/**
 * How to reach Redis, as configuration writes it ({@code tiers.redis}, {@code
 * budget.shared.redis}).
 *
 * @param enabled off by default
 * @param uris {@code redis://[:password@]host:port[/db]} (or {@code rediss://}); several seeds when
 *     {@code cluster}. Secrets: a URI may carry a password
 * @param cluster whether {@code uris} are Redis Cluster nodes
 * @param keyPrefix put before every key and channel, so deployments can share a server
 * @param timeout longest wait for one command; a slower answer counts as a failure
 */
public record RedisSettings(
    boolean enabled, List<Secret> uris, boolean cluster, String keyPrefix, Duration timeout)
    implements TierBackend.Settings {

  public RedisSettings {
    uris = uris.stream().filter(uri -> !uri.isEmpty()).toList();
    if (enabled && uris.isEmpty()) {
      throw new IllegalArgumentException("redis: enabled needs uris");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("redis: timeout must be positive: " + timeout);
    }
    if (enabled) {
      connection(uris, cluster, keyPrefix, timeout); // validates, never naming a password
    }
  }

  static RedisSettings defaults(Duration timeout) {
    return new RedisSettings(false, List.of(), false, RedisTierConfig.DEFAULT_KEY_PREFIX, timeout);
  }

  /** The client's settings. */
  RedisTierConfig connection() {
    return connection(uris, cluster, keyPrefix, timeout);
  }

  private static RedisTierConfig connection(
      List<Secret> uris, boolean cluster, String keyPrefix, Duration timeout) {
    List<String> plain = uris.stream().map(Secret::reveal).toList();
    RedisTierConfig config =
        cluster ? RedisTierConfig.cluster(plain) : RedisTierConfig.standalone(plain.getFirst());
    return config.withKeyPrefix(keyPrefix).withCommandTimeout(timeout);
  }
}
