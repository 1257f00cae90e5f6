package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.spi.EventStoreBackend;
import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.spi.TierBackend;
import dev.stripeedge.core.spi.WorkQueueBackend;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.webhooks.EventStore;
import java.nio.file.Path;
import java.util.Map;

/** The SQLite backends, registered with {@link java.util.ServiceLoader}. */
public final class SqliteBackends {

  private SqliteBackends() {}

  /** The {@code store.path} file, opened once for the tier, the event store and the secret. */
  private static SqliteDatabase database(StoreContext context) {
    Path file = context.storeFile().toAbsolutePath().normalize();
    return context
        .shared()
        .get(
            "sqlite:" + file,
            SqliteDatabase.class,
            () -> SqliteDatabase.open(file, SqliteTierConfig.defaults().readers()));
  }

  /** {@code tiers.sqlite}: after Redis and DynamoDB, it is the slowest to ask. */
  public static final class Tier implements TierBackend<SqliteTierSettings> {

    @Override
    public String name() {
      return "sqlite";
    }

    @Override
    public Class<SqliteTierSettings> settingsType() {
      return SqliteTierSettings.class;
    }

    @Override
    public SqliteTierSettings defaults() {
      return new SqliteTierSettings(
          true, SqliteTierConfig.defaults().maxBytes(), TierConfig.defaults().timeout());
    }

    @Override
    public int rank() {
      return 30;
    }

    @Override
    public boolean shared() {
      return false;
    }

    @Override
    public CacheTier open(SqliteTierSettings settings, StoreContext context) {
      return SqliteTier.open(
          database(context),
          SqliteTierConfig.defaults().withMaxBytes(settings.maxBytes()),
          context.clock());
    }
  }

  /**
   * {@code store.backend: sqlite}: the ledger, cursor and outbox in the {@code store.path} file.
   */
  public static final class Events implements EventStoreBackend<SqliteStoreSettings> {

    @Override
    public String name() {
      return "sqlite";
    }

    @Override
    public Class<SqliteStoreSettings> settingsType() {
      return SqliteStoreSettings.class;
    }

    @Override
    public SqliteStoreSettings defaults() {
      return new SqliteStoreSettings();
    }

    @Override
    public EventStore open(SqliteStoreSettings settings, StoreContext context) {
      return SqliteEventLedger.open(database(context));
    }

    @Override
    public byte[] cacheKeySecret(SqliteStoreSettings settings, StoreContext context) {
      return SqliteKeySecret.load(database(context));
    }
  }

  /**
   * {@code asyncWrites.queue: sqlite}: asynchronous writes queued in the {@code store.path} file
   * (its own connection for now, beside the shared database).
   */
  public static final class Queue implements WorkQueueBackend {

    @Override
    public String name() {
      return "sqlite";
    }

    @Override
    public WorkQueue open(StoreContext context, Map<String, String> options) {
      if (!options.isEmpty()) {
        throw new IllegalArgumentException(
            "the sqlite work queue has no asyncWrites.queueOptions (it uses store.path): "
                + options.keySet());
      }
      return SqliteWorkQueue.open(context.storeFile());
    }
  }
}
