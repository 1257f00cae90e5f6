package dev.stripeedge.store.redis;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.testkit.RedisServerExtension;
import dev.stripeedge.testkit.TierContract;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tier contract against a real standalone redis-server. */
class RedisTierIT extends TierContract {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  // Generous: this machine's builds share two cores, and the kit's timeouts are its own.
  static RedisTierConfig config() {
    return RedisTierConfig.standalone(redis.uri()).withCommandTimeout(Duration.ofSeconds(2));
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
