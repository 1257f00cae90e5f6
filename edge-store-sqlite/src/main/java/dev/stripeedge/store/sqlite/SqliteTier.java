package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.SystemTime;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CacheTier} in the edge's SQLite file (the one holding its ledgers): the cache survives a
 * restart of the edge.
 *
 * <p>Tables: {@code cache_entries} (key, value, ids, fetch start, expiry, size, last use), {@code
 * cache_ids} (object id → keys, for invalidation) and {@code cache_invalidations} (object id → when
 * it was last invalidated, kept {@link SqliteTierConfig#markerRetention()}). A put and an
 * invalidation are each one {@code BEGIN IMMEDIATE} transaction, so they are atomic against each
 * other even when several edges (or a restarted one) open the same file: a put checks the markers
 * of its ids and the fetch start of the stored entry and writes, or an invalidation records its
 * marker and deletes, never a mix.
 *
 * <p>Bounded: past {@link SqliteTierConfig#maxBytes()} the least recently used rows are deleted
 * (down to 90% of the bound). Last use is recorded in memory on each hit and written before an
 * eviction, so a hit costs no write. Expired rows are never returned and are purged in the
 * background.
 *
 * <p>Thread-safe and asynchronous: writes run one at a time on the {@link SqliteDatabase}'s writer
 * thread (shared with the ledger when they share the file), reads on its reader pool (WAL: readers
 * never wait for the writer). A closed tier fails every call.
 */
public final class SqliteTier implements CacheTier {

  private static final System.Logger log = System.getLogger(SqliteTier.class.getName());
  private static final int EVICT_BATCH = 200;
  private static final int MAX_TOUCHED = 50_000;

  private final SqliteDatabase database;
  // Whether the tier opened the database itself, and so closes it.
  private final boolean owned;
  private final SqliteTierConfig config;
  private final Clock clock;
  private final Future<?> maintenance;
  // Key -> millis of its last hit, written to used_at before evicting.
  private final ConcurrentHashMap<String, Long> touched = new ConcurrentHashMap<>();
  // Writer thread only: an estimate, re-read from the file before any eviction.
  private long storedBytes;
  private volatile boolean closed;

  private SqliteTier(SqliteDatabase database, boolean owned, SqliteTierConfig config, Clock clock)
      throws SQLException {
    this.database = database;
    this.owned = owned;
    this.config = config;
    this.clock = clock;
    this.storedBytes =
        database.await(
            connection -> {
              TierRows.createTables(connection);
              return TierRows.sumBytes(connection);
            },
            false);
    this.maintenance = database.every(config.maintenanceEvery(), this::maintainQuietly);
  }

  /**
   * Opens (creating when missing) the cache tables in {@code database}, next to whatever else it
   * holds; reads use the database's readers ({@link SqliteTierConfig#readers()} is not used). The
   * database stays open when the tier closes.
   *
   * @throws IllegalStateException the tables cannot be created
   */
  public static SqliteTier open(SqliteDatabase database, SqliteTierConfig config, Clock clock) {
    try {
      return new SqliteTier(database, false, config, clock);
    } catch (SQLException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot open the SQLite cache tier " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens (creating when missing) the cache tables in {@code file}, in a database of its own with
   * {@link SqliteTierConfig#readers()} readers, closed with the tier.
   *
   * @throws IllegalStateException the file cannot be opened or is not a SQLite database
   */
  public static SqliteTier open(Path file, SqliteTierConfig config, Clock clock) {
    SqliteDatabase database;
    try {
      database = SqliteDatabase.open(file, config.readers());
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "cannot open the SQLite cache tier " + file + ": " + e.getMessage(), e);
    }
    try {
      return new SqliteTier(database, true, config, clock);
    } catch (SQLException | RuntimeException e) {
      database.close();
      throw new IllegalStateException(
          "cannot open the SQLite cache tier " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@link #open(Path, SqliteTierConfig, Clock)} with the system clock. */
  public static SqliteTier open(Path file, SqliteTierConfig config) {
    return open(file, config, SystemTime.clock());
  }

  @Override
  public String name() {
    return "sqlite";
  }

  /** The database file. */
  public Path file() {
    return database.file();
  }

  @Override
  public CompletableFuture<@Nullable TierEntry> get(String key) {
    return read(
        connection -> {
          Map<String, TierEntry> found = select(connection, List.of(key));
          return found.get(key);
        });
  }

  @Override
  public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
    List<String> distinct = List.copyOf(new LinkedHashSet<>(keys));
    if (distinct.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    return read(connection -> select(connection, distinct));
  }

  @Override
  public CompletableFuture<Boolean> put(TierEntry entry) {
    return onWriter(write -> store(write, entry));
  }

  @Override
  public CompletableFuture<Void> invalidate(Collection<String> ids) {
    Set<String> distinct = new LinkedHashSet<>(ids);
    if (distinct.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return this.<@Nullable Void>onWriter(
            write -> {
              drop(write, distinct);
              return null;
            })
        .thenRun(() -> {});
  }

  /** Bytes the stored rows take by the tier's count (values, keys, ids), read from the file. */
  public CompletableFuture<Long> bytes() {
    return onWriter(TierRows::sumBytes);
  }

  /** Purges expired rows and old markers and applies the bound now (normally in the background). */
  public CompletableFuture<Void> maintain() {
    return this.<@Nullable Void>onWriter(
            write -> {
              maintainNow(write);
              return null;
            })
        .thenRun(() -> {});
  }

  // ---- reads ----

  private Map<String, TierEntry> select(Connection connection, List<String> keys)
      throws SQLException {
    long now = clock.millis();
    Map<String, TierEntry> found = TierRows.select(connection, keys, now);
    if (touched.size() < MAX_TOUCHED) {
      for (String key : found.keySet()) {
        touched.put(key, now);
      }
    }
    return found;
  }

  // ---- writes (writer thread only) ----

  private boolean store(Connection write, TierEntry entry) throws SQLException {
    long now = clock.millis();
    if (!entry.liveAt(now)) {
      return false;
    }
    long size = TierRows.sizeOf(entry);
    long tolerance = config.clockTolerance().toMillis();
    long replaced =
        SqliteDatabase.inTransaction(
            write, connection -> TierRows.replace(connection, entry, size, now, tolerance));
    if (replaced < 0) {
      return false;
    }
    storedBytes += size - replaced;
    if (storedBytes > config.maxBytes()) {
      evict(write, now);
    }
    return true;
  }

  private void drop(Connection write, Set<String> ids) throws SQLException {
    long now = clock.millis();
    storedBytes -=
        SqliteDatabase.inTransaction(write, connection -> TierRows.drop(connection, ids, now));
  }

  private void maintainQuietly(Connection write) {
    try {
      maintainNow(write);
    } catch (SQLException | RuntimeException e) {
      // The next pass tries again; puts still apply the bound meanwhile.
      log.log(
          System.Logger.Level.WARNING, "SQLite cache tier " + file() + ": maintenance failed", e);
    }
  }

  private void maintainNow(Connection write) throws SQLException {
    long now = clock.millis();
    SqliteDatabase.inTransaction(write, connection -> TierRows.purgeExpired(connection, now));
    TierRows.forgetMarkers(write, now - config.markerRetention().toMillis());
    storedBytes = TierRows.sumBytes(write);
    if (storedBytes > config.maxBytes()) {
      evict(write, now);
    }
  }

  /** Drops expired rows, then least recently used ones, until the rows fit in 90% of the bound. */
  private void evict(Connection write, long now) throws SQLException {
    if (!touched.isEmpty()) {
      Map<String, Long> uses = new HashMap<>(touched);
      uses.forEach(touched::remove);
      SqliteDatabase.inTransaction(write, connection -> TierRows.recordUses(connection, uses));
    }
    SqliteDatabase.inTransaction(write, connection -> TierRows.purgeExpired(connection, now));
    long total = TierRows.sumBytes(write);
    long target = config.maxBytes() / 10 * 9;
    while (total > target) {
      List<String> victims = TierRows.leastRecentlyUsed(write, total - target, EVICT_BATCH);
      if (victims.isEmpty()) {
        break;
      }
      total -=
          SqliteDatabase.inTransaction(
              write, connection -> TierRows.deleteEntries(connection, victims));
    }
    storedBytes = total;
  }

  // ---- on the database's threads ----

  private <T extends @Nullable Object> CompletableFuture<T> onWriter(SqliteDatabase.Work<T> work) {
    if (closed) {
      return closedFailure();
    }
    return database.write(connection -> wrapped(work, connection));
  }

  private <T extends @Nullable Object> CompletableFuture<T> read(SqliteDatabase.Work<T> work) {
    if (closed) {
      return closedFailure();
    }
    return database.read(connection -> wrapped(work, connection));
  }

  /** Runs {@code work}, its SQL errors named after the tier (the message callers see). */
  private <T extends @Nullable Object> T wrapped(
      SqliteDatabase.Work<T> work, Connection connection) {
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw new IllegalStateException("SQLite cache tier " + file() + ": " + e.getMessage(), e);
    }
  }

  private <T extends @Nullable Object> CompletableFuture<T> closedFailure() {
    return CompletableFuture.failedFuture(
        new IllegalStateException("the SQLite cache tier " + file() + " is closed"));
  }

  /**
   * Stops maintenance and lets queued puts and invalidations finish; closes the database too when
   * the tier opened it.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    maintenance.cancel(false);
    if (owned) {
      database.close();
      return;
    }
    try {
      database.write(connection -> null).join();
    } catch (RuntimeException e) {
      // Closed under us: nothing of ours is queued any more.
    }
  }

  @Override
  public String toString() {
    return "SqliteTier[" + file() + "]";
  }
}
