package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.spi.TierBackend;
import dev.stripeedge.core.tier.CacheTier;
import java.time.Duration;

/**
 * {@code tiers.dynamodb}, registered with {@link java.util.ServiceLoader}: asked after Redis,
 * before SQLite.
 */
public final class DynamoDbBackend implements TierBackend<DynamoDbTierSettings> {

  @Override
  public String name() {
    return "dynamodb";
  }

  @Override
  public Class<DynamoDbTierSettings> settingsType() {
    return DynamoDbTierSettings.class;
  }

  @Override
  public DynamoDbTierSettings defaults() {
    return new DynamoDbTierSettings(
        false, "stripe-edge-cache", "us-east-1", "", false, Duration.ofMillis(100));
  }

  @Override
  public int rank() {
    return 20;
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public CacheTier open(DynamoDbTierSettings settings, StoreContext context) {
    return DynamoDbTier.open(
        settings.clientConfig(), null, context.metrics(), context.clock()::instant);
  }
}
