package dev.stripeedge.store.redis;

import dev.stripeedge.core.budget.SharedBudget;
import dev.stripeedge.core.budget.SharedBudgetConfig;
import dev.stripeedge.core.queue.WriteStatusBoard;
import dev.stripeedge.core.spi.EventStoreBackend;
import dev.stripeedge.core.spi.SharedBudgetBackend;
import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.spi.TierBackend;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.webhooks.EventStore;

/** The Redis backends, registered with {@link java.util.ServiceLoader}. */
public final class RedisBackends {

  private RedisBackends() {}

  /**
   * {@code tiers.redis}: shared by every edge; an invalidation on one edge drops the entry from
   * every edge's memory (pub/sub). Asked first: it is the fastest tier below memory.
   */
  public static final class Tier implements TierBackend<RedisSettings> {

    @Override
    public String name() {
      return "redis";
    }

    @Override
    public Class<RedisSettings> settingsType() {
      return RedisSettings.class;
    }

    @Override
    public RedisSettings defaults() {
      return RedisSettings.defaults(RedisTierConfig.DEFAULT_COMMAND_TIMEOUT);
    }

    @Override
    public int rank() {
      return 10;
    }

    @Override
    public boolean shared() {
      return true;
    }

    @Override
    public CacheTier open(RedisSettings settings, StoreContext context) {
      return RedisTier.connect(settings.connection(), context.clock());
    }
  }

  /**
   * {@code store.backend: redis}: one ledger, cursor and outbox for every edge on the server, and
   * one cache-key secret.
   */
  public static final class Events implements EventStoreBackend<RedisStoreSettings> {

    @Override
    public String name() {
      return "redis";
    }

    @Override
    public Class<RedisStoreSettings> settingsType() {
      return RedisStoreSettings.class;
    }

    @Override
    public RedisStoreSettings defaults() {
      return RedisStoreSettings.defaults();
    }

    @Override
    public EventStore open(RedisStoreSettings settings, StoreContext context) {
      return RedisEventStore.connect(settings.connection(), settings.retention());
    }

    @Override
    public byte[] cacheKeySecret(RedisStoreSettings settings, StoreContext context) {
      return RedisEventStore.cacheKeySecret(settings.connection());
    }

    @Override
    public WriteStatusBoard writeStatusBoard(RedisStoreSettings settings, StoreContext context) {
      return RedisWriteStatusBoard.connect(settings.connection());
    }
  }

  /** {@code budget.shared.redis}. */
  public static final class Budget implements SharedBudgetBackend<RedisBudgetSettings> {

    @Override
    public String name() {
      return "redis";
    }

    @Override
    public Class<RedisBudgetSettings> settingsType() {
      return RedisBudgetSettings.class;
    }

    @Override
    public RedisBudgetSettings defaults() {
      SharedBudgetConfig leases = SharedBudgetConfig.defaults();
      return new RedisBudgetSettings(RedisSettings.defaults(leases.timeout()), leases);
    }

    @Override
    public boolean enabled(RedisBudgetSettings settings) {
      return settings.redis().enabled();
    }

    @Override
    public SharedBudgetConfig config(RedisBudgetSettings settings) {
      return settings.leases();
    }

    @Override
    public SharedBudget connect(RedisBudgetSettings settings, StoreContext context) {
      return RedisSharedBudget.connect(settings.redis().connection());
    }
  }
}
