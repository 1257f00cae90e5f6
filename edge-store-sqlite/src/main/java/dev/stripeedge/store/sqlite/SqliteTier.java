package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConfig;

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
 * <p>Thread-safe and asynchronous: writes run one at a time on the tier's own thread, reads on a
 * small pool with one connection per thread (WAL: readers never wait for the writer). A closed tier
 * fails every call.
 */
public final class SqliteTier implements CacheTier {

  private static final System.Logger log = System.getLogger(SqliteTier.class.getName());
  private static final int IN_CHUNK = 400;
  private static final int EVICT_BATCH = 200;
  private static final int MAX_TOUCHED = 50_000;

  private final Path file;
  private final SqliteTierConfig config;
  private final Clock clock;
  private final Connection write;
  private final List<Connection> readConnections;
  private final BlockingQueue<Connection> idleReaders;
  private final ScheduledExecutorService writer;
  private final ExecutorService readers;
  // Key -> millis of its last hit, written to used_at before evicting.
  private final ConcurrentHashMap<String, Long> touched = new ConcurrentHashMap<>();
  // Writer thread only: an estimate, re-read from the file before any eviction.
  private long storedBytes;
  private volatile boolean closed;

  private SqliteTier(Path file, SqliteTierConfig config, Clock clock) throws SQLException {
    this.file = file;
    this.config = config;
    this.clock = clock;
    SQLiteConfig settings = new SQLiteConfig();
    settings.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // FULL, as the ledger: an invalidation lost to a power cut would bring a stale entry back.
    settings.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    settings.setBusyTimeout(5_000);
    // IMMEDIATE: a transaction takes the write lock when it begins, so a put's check and write see
    // one state even when another connection (another edge on the file) writes meanwhile.
    settings.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    String url = "jdbc:sqlite:" + file;
    this.write = DriverManager.getConnection(url, settings.toProperties());
    this.readConnections = new ArrayList<>();
    this.idleReaders = new ArrayBlockingQueue<>(config.readers());
    try {
      createTables(write);
      for (int i = 0; i < config.readers(); i++) {
        Connection reader = DriverManager.getConnection(url, settings.toProperties());
        readConnections.add(reader);
        idleReaders.add(reader);
      }
      this.storedBytes = sumBytes();
    } catch (SQLException e) {
      closeAll();
      throw e;
    }
    this.writer = Executors.newSingleThreadScheduledExecutor(daemon("sqlite-tier-writer"));
    this.readers = Executors.newFixedThreadPool(config.readers(), daemon("sqlite-tier-reader"));
    long every = config.maintenanceEvery().toMillis();
    writer.scheduleWithFixedDelay(this::maintainQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens (creating when missing) the cache tables in {@code file}, next to whatever else the file
   * holds.
   *
   * @throws IllegalStateException the file cannot be opened or is not a SQLite database
   */
  public static SqliteTier open(Path file, SqliteTierConfig config, Clock clock) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      return new SqliteTier(file, config, clock);
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(
          "cannot open the SQLite cache tier " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@link #open(Path, SqliteTierConfig, Clock)} with the system clock. */
  public static SqliteTier open(Path file, SqliteTierConfig config) {
    return open(file, config, Clock.systemUTC());
  }

  private static void createTables(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          """
          CREATE TABLE IF NOT EXISTS cache_entries (
            key           TEXT PRIMARY KEY,
            value         BLOB NOT NULL,
            ids           BLOB NOT NULL,
            fetch_started INTEGER NOT NULL,
            expires_at    INTEGER NOT NULL,
            bytes         INTEGER NOT NULL,
            used_at       INTEGER NOT NULL)""");
      statement.execute(
          "CREATE INDEX IF NOT EXISTS cache_entries_expiry ON cache_entries (expires_at)");
      statement.execute("CREATE INDEX IF NOT EXISTS cache_entries_use ON cache_entries (used_at)");
      statement.execute(
          "CREATE TABLE IF NOT EXISTS cache_ids (id TEXT NOT NULL, key TEXT NOT NULL,"
              + " PRIMARY KEY (id, key)) WITHOUT ROWID");
      statement.execute("CREATE INDEX IF NOT EXISTS cache_ids_key ON cache_ids (key)");
      statement.execute(
          "CREATE TABLE IF NOT EXISTS cache_invalidations (id TEXT PRIMARY KEY,"
              + " at INTEGER NOT NULL)");
      statement.execute(
          "CREATE INDEX IF NOT EXISTS cache_invalidations_at ON cache_invalidations (at)");
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public String name() {
    return "sqlite";
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  @Override
  public CompletableFuture<@Nullable TierEntry> get(String key) {
    return this.<@Nullable TierEntry>read(
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
    return onWriter(() -> store(entry));
  }

  @Override
  public CompletableFuture<Void> invalidate(Collection<String> ids) {
    Set<String> distinct = new LinkedHashSet<>(ids);
    if (distinct.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return this.<@Nullable Void>onWriter(
            () -> {
              drop(distinct);
              return null;
            })
        .thenRun(() -> {});
  }

  /** Bytes the stored rows take by the tier's count (values, keys, ids), read from the file. */
  public CompletableFuture<Long> bytes() {
    return onWriter(this::sumBytes);
  }

  /** Purges expired rows and old markers and applies the bound now (normally in the background). */
  public CompletableFuture<Void> maintain() {
    return this.<@Nullable Void>onWriter(
            () -> {
              maintainNow();
              return null;
            })
        .thenRun(() -> {});
  }

  // ---- reads ----

  private Map<String, TierEntry> select(Connection connection, List<String> keys)
      throws SQLException {
    long now = clock.millis();
    Map<String, TierEntry> found = new HashMap<>();
    for (int from = 0; from < keys.size(); from += IN_CHUNK) {
      List<String> chunk = keys.subList(from, Math.min(keys.size(), from + IN_CHUNK));
      String sql =
          "SELECT key, value, ids, fetch_started, expires_at FROM cache_entries"
              + " WHERE expires_at > ? AND key IN ("
              + "?,".repeat(chunk.size() - 1)
              + "?)";
      try (PreparedStatement query = connection.prepareStatement(sql)) {
        query.setLong(1, now);
        for (int i = 0; i < chunk.size(); i++) {
          query.setString(i + 2, chunk.get(i));
        }
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next()) {
            String key = rows.getString(1);
            found.put(
                key,
                new TierEntry(
                    key,
                    rows.getBytes(2),
                    decodeIds(rows.getBytes(3)),
                    rows.getLong(4),
                    rows.getLong(5)));
          }
        }
      }
    }
    if (touched.size() < MAX_TOUCHED) {
      for (String key : found.keySet()) {
        touched.put(key, now);
      }
    }
    return found;
  }

  // ---- writes (writer thread only) ----

  private boolean store(TierEntry entry) throws SQLException {
    long now = clock.millis();
    if (!entry.liveAt(now)) {
      return false;
    }
    long size = sizeOf(entry);
    long replaced;
    write.setAutoCommit(false);
    try {
      if (invalidatedSince(entry)) {
        write.rollback();
        return false;
      }
      replaced = 0;
      try (PreparedStatement existing =
          write.prepareStatement(
              "SELECT fetch_started, expires_at, bytes FROM cache_entries WHERE key = ?")) {
        existing.setString(1, entry.key());
        try (ResultSet row = existing.executeQuery()) {
          if (row.next()) {
            // An older fetch never replaces a newer one; an expired row is no competitor.
            if (row.getLong(2) > now && row.getLong(1) >= entry.fetchStartedMillis()) {
              write.rollback();
              return false;
            }
            replaced = row.getLong(3);
          }
        }
      }
      deleteIds(entry.key());
      try (PreparedStatement insert =
          write.prepareStatement(
              "INSERT OR REPLACE INTO cache_entries"
                  + " (key, value, ids, fetch_started, expires_at, bytes, used_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        insert.setString(1, entry.key());
        insert.setBytes(2, entry.value());
        insert.setBytes(3, encodeIds(entry.ids()));
        insert.setLong(4, entry.fetchStartedMillis());
        insert.setLong(5, entry.expiresAtMillis());
        insert.setLong(6, size);
        insert.setLong(7, now);
        insert.executeUpdate();
      }
      try (PreparedStatement index =
          write.prepareStatement("INSERT OR IGNORE INTO cache_ids (id, key) VALUES (?, ?)")) {
        for (String id : entry.ids()) {
          index.setString(1, id);
          index.setString(2, entry.key());
          index.addBatch();
        }
        index.executeBatch();
      }
      write.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    } finally {
      write.setAutoCommit(true);
    }
    storedBytes += size - replaced;
    if (storedBytes > config.maxBytes()) {
      evict(now);
    }
    return true;
  }

  /**
   * Whether one of the entry's ids was invalidated at or after its fetch began (less tolerance).
   */
  private boolean invalidatedSince(TierEntry entry) throws SQLException {
    try (PreparedStatement marker =
        write.prepareStatement("SELECT at FROM cache_invalidations WHERE id = ?")) {
      for (String id : entry.ids()) {
        marker.setString(1, id);
        try (ResultSet row = marker.executeQuery()) {
          if (row.next()
              && entry.fetchStartedMillis()
                  <= row.getLong(1) + config.clockTolerance().toMillis()) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private void drop(Set<String> ids) throws SQLException {
    long now = clock.millis();
    write.setAutoCommit(false);
    try {
      Set<String> keys = new LinkedHashSet<>();
      try (PreparedStatement marker =
              write.prepareStatement(
                  "INSERT INTO cache_invalidations (id, at) VALUES (?, ?)"
                      + " ON CONFLICT (id) DO UPDATE SET at = MAX(at, excluded.at)");
          PreparedStatement holders =
              write.prepareStatement("SELECT key FROM cache_ids WHERE id = ?")) {
        for (String id : ids) {
          marker.setString(1, id);
          marker.setLong(2, now);
          marker.executeUpdate();
          holders.setString(1, id);
          try (ResultSet rows = holders.executeQuery()) {
            while (rows.next()) {
              keys.add(rows.getString(1));
            }
          }
        }
      }
      long freed = deleteEntries(keys);
      write.commit();
      storedBytes -= freed;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    } finally {
      write.setAutoCommit(true);
    }
  }

  /** Deletes the rows of {@code keys} and their index rows; returns the bytes they took. */
  private long deleteEntries(Collection<String> keys) throws SQLException {
    long freed = 0;
    try (PreparedStatement size =
            write.prepareStatement("SELECT bytes FROM cache_entries WHERE key = ?");
        PreparedStatement delete =
            write.prepareStatement("DELETE FROM cache_entries WHERE key = ?")) {
      for (String key : keys) {
        size.setString(1, key);
        try (ResultSet row = size.executeQuery()) {
          if (row.next()) {
            freed += row.getLong(1);
          }
        }
        delete.setString(1, key);
        delete.executeUpdate();
        deleteIds(key);
      }
    }
    return freed;
  }

  private void deleteIds(String key) throws SQLException {
    try (PreparedStatement delete = write.prepareStatement("DELETE FROM cache_ids WHERE key = ?")) {
      delete.setString(1, key);
      delete.executeUpdate();
    }
  }

  private void maintainQuietly() {
    try {
      maintainNow();
    } catch (SQLException | RuntimeException e) {
      // The next pass tries again; puts still apply the bound meanwhile.
      log.log(System.Logger.Level.WARNING, "SQLite cache tier " + file + ": maintenance failed", e);
    }
  }

  private void maintainNow() throws SQLException {
    long now = clock.millis();
    purgeExpired(now);
    try (PreparedStatement old =
        write.prepareStatement("DELETE FROM cache_invalidations WHERE at < ?")) {
      old.setLong(1, now - config.markerRetention().toMillis());
      old.executeUpdate();
    }
    storedBytes = sumBytes();
    if (storedBytes > config.maxBytes()) {
      evict(now);
    }
  }

  private void purgeExpired(long now) throws SQLException {
    write.setAutoCommit(false);
    try (PreparedStatement ids =
            write.prepareStatement(
                "DELETE FROM cache_ids WHERE key IN"
                    + " (SELECT key FROM cache_entries WHERE expires_at <= ?)");
        PreparedStatement entries =
            write.prepareStatement("DELETE FROM cache_entries WHERE expires_at <= ?")) {
      ids.setLong(1, now);
      ids.executeUpdate();
      entries.setLong(1, now);
      entries.executeUpdate();
      write.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    } finally {
      write.setAutoCommit(true);
    }
  }

  /** Drops expired rows, then least recently used ones, until the rows fit in 90% of the bound. */
  private void evict(long now) throws SQLException {
    recordUses();
    purgeExpired(now);
    long total = sumBytes();
    long target = config.maxBytes() / 10 * 9;
    while (total > target) {
      List<String> victims = new ArrayList<>();
      try (PreparedStatement oldest =
          write.prepareStatement(
              "SELECT key, bytes FROM cache_entries ORDER BY used_at LIMIT " + EVICT_BATCH)) {
        try (ResultSet rows = oldest.executeQuery()) {
          long planned = total;
          while (rows.next() && planned > target) {
            victims.add(rows.getString(1));
            planned -= rows.getLong(2);
          }
        }
      }
      if (victims.isEmpty()) {
        break;
      }
      write.setAutoCommit(false);
      try {
        total -= deleteEntries(victims);
        write.commit();
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly();
        throw e;
      } finally {
        write.setAutoCommit(true);
      }
    }
    storedBytes = total;
  }

  private void recordUses() throws SQLException {
    if (touched.isEmpty()) {
      return;
    }
    Map<String, Long> uses = new HashMap<>(touched);
    uses.forEach(touched::remove);
    write.setAutoCommit(false);
    try (PreparedStatement use =
        write.prepareStatement(
            "UPDATE cache_entries SET used_at = MAX(used_at, ?) WHERE key = ?")) {
      for (Map.Entry<String, Long> hit : uses.entrySet()) {
        use.setLong(1, hit.getValue());
        use.setString(2, hit.getKey());
        use.addBatch();
      }
      use.executeBatch();
      write.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    } finally {
      write.setAutoCommit(true);
    }
  }

  private long sumBytes() throws SQLException {
    try (Statement statement = write.createStatement();
        ResultSet row =
            statement.executeQuery("SELECT COALESCE(SUM(bytes), 0) FROM cache_entries")) {
      row.next();
      return row.getLong(1);
    }
  }

  private void rollbackQuietly() {
    try {
      write.rollback();
    } catch (SQLException e) {
      log.log(System.Logger.Level.WARNING, "SQLite cache tier " + file + ": rollback failed", e);
    }
  }

  private static long sizeOf(TierEntry entry) {
    long size = 64L + entry.value().length + entry.key().length();
    for (String id : entry.ids()) {
      size += 32L + 2L * id.length();
    }
    return size;
  }

  static byte[] encodeIds(Set<String> ids) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 24 * ids.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(ids.size());
      for (String id : ids) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Set<String> decodeIds(byte[] encoded) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      int count = in.readInt();
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < count; i++) {
        byte[] utf8 = new byte[in.readInt()];
        in.readFully(utf8);
        ids.add(new String(utf8, StandardCharsets.UTF_8));
      }
      return ids;
    } catch (IOException e) {
      throw new IllegalStateException("corrupt ids column in the SQLite cache tier", e);
    }
  }

  // ---- executors ----

  @FunctionalInterface
  private interface SqlWork<T extends @Nullable Object> {
    T run() throws SQLException;
  }

  @FunctionalInterface
  private interface SqlRead<T extends @Nullable Object> {
    T run(Connection connection) throws SQLException;
  }

  private <T extends @Nullable Object> CompletableFuture<T> onWriter(SqlWork<T> work) {
    if (closed) {
      return closedFailure();
    }
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            try {
              return work.run();
            } catch (SQLException e) {
              throw failure(e);
            }
          },
          writer);
    } catch (RejectedExecutionException e) {
      return closedFailure();
    }
  }

  private <T extends @Nullable Object> CompletableFuture<T> read(SqlRead<T> work) {
    if (closed) {
      return closedFailure();
    }
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            Connection connection = idleReaders.poll();
            if (connection == null) {
              throw new IllegalStateException("SQLite cache tier " + file + ": no idle reader");
            }
            try {
              return work.run(connection);
            } catch (SQLException e) {
              throw failure(e);
            } finally {
              idleReaders.add(connection);
            }
          },
          readers);
    } catch (RejectedExecutionException e) {
      return closedFailure();
    }
  }

  private <T> CompletableFuture<T> closedFailure() {
    return CompletableFuture.failedFuture(
        new IllegalStateException("the SQLite cache tier " + file + " is closed"));
  }

  private IllegalStateException failure(SQLException e) {
    return new IllegalStateException("SQLite cache tier " + file + ": " + e.getMessage(), e);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    writer.shutdown();
    readers.shutdown();
    try {
      // Queued puts and invalidations finish before the connections close under them.
      writer.awaitTermination(10, TimeUnit.SECONDS);
      readers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeAll();
  }

  private void closeAll() {
    List<Connection> all = new ArrayList<>(readConnections);
    all.add(write);
    for (Connection connection : all) {
      try {
        connection.close();
      } catch (SQLException e) {
        log.log(System.Logger.Level.WARNING, "SQLite cache tier " + file + ": close failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "SqliteTier[" + file + "]";
  }
}
