package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.spi.EventStoreBackend;
import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.webhooks.EventStore;

/**
 * {@code store.backend: dynamodb}, registered with {@link java.util.ServiceLoader}: one ledger,
 * cursor and outbox for every edge on the table, and one cache-key secret.
 */
public final class DynamoDbEventStoreBackend implements EventStoreBackend<DynamoDbStoreSettings> {

  @Override
  public String name() {
    return "dynamodb";
  }

  @Override
  public Class<DynamoDbStoreSettings> settingsType() {
    return DynamoDbStoreSettings.class;
  }

  @Override
  public DynamoDbStoreSettings defaults() {
    return DynamoDbStoreSettings.defaults();
  }

  @Override
  public EventStore open(DynamoDbStoreSettings settings, StoreContext context) {
    return DynamoDbEventStore.open(
        settings.clientConfig(), null, settings.retention(), context.clock()::instant);
  }

  @Override
  public byte[] cacheKeySecret(DynamoDbStoreSettings settings, StoreContext context) {
    try (DynamoDbEventStore store =
        DynamoDbEventStore.open(
            settings.clientConfig(), null, settings.retention(), context.clock()::instant)) {
      return store.cacheKeySecret();
    }
  }
}
