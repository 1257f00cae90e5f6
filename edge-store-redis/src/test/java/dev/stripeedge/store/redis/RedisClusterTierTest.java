package dev.stripeedge.store.redis;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.testkit.RedisClusterExtension;
import dev.stripeedge.testkit.TierContract;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tier contract against a real three-node Redis Cluster: puts go in steps that each touch one
 * hash slot, which the kit's race cases check.
 */
class RedisClusterTierTest extends TierContract {

  @RegisterExtension static final RedisClusterExtension cluster = new RedisClusterExtension();

  static RedisTierConfig config() {
    return RedisTierConfig.cluster(cluster.uris()).withCommandTimeout(Duration.ofSeconds(2));
  }

  @Override
  protected CacheTier newTier() {
    return RedisTier.connect(config());
  }

  @Override
  protected Duration clockTolerance() {
    return config().clockTolerance();
  }
}
