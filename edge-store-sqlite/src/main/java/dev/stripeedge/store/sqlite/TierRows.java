package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.tier.TierEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SQL of {@link SqliteTier}'s tables, statement by statement, over a connection the caller
 * holds (the writer's, inside its transaction, for anything that writes).
 */
final class TierRows {

  private static final int IN_CHUNK = 400;

  private TierRows() {}

  static void createTables(Connection connection) throws SQLException {
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

  static long sizeOf(TierEntry entry) {
    long size = 64L + entry.value().length + entry.key().length();
    for (String id : entry.ids()) {
      size += 32L + 2L * id.length();
    }
    return size;
  }

  /** Deletes the rows of {@code keys} and their index rows; returns the bytes they took. */
  static long deleteEntries(Connection write, Collection<String> keys) throws SQLException {
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
        deleteIds(write, key);
      }
    }
    return freed;
  }

  static void deleteIds(Connection write, String key) throws SQLException {
    try (PreparedStatement delete = write.prepareStatement("DELETE FROM cache_ids WHERE key = ?")) {
      delete.setString(1, key);
      delete.executeUpdate();
    }
  }

  static long sumBytes(Connection write) throws SQLException {
    try (Statement statement = write.createStatement();
        ResultSet row =
            statement.executeQuery("SELECT COALESCE(SUM(bytes), 0) FROM cache_entries")) {
      row.next();
      return row.getLong(1);
    }
  }

  /**
   * Whether one of the entry's ids was invalidated at or after its fetch began (less tolerance).
   */
  static boolean invalidatedSince(Connection write, TierEntry entry, long toleranceMillis)
      throws SQLException {
    try (PreparedStatement marker =
        write.prepareStatement("SELECT at FROM cache_invalidations WHERE id = ?")) {
      for (String id : entry.ids()) {
        marker.setString(1, id);
        try (ResultSet row = marker.executeQuery()) {
          if (row.next() && entry.fetchStartedMillis() <= row.getLong(1) + toleranceMillis) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** The live rows of {@code keys} at {@code now}. */
  static Map<String, TierEntry> select(Connection connection, List<String> keys, long now)
      throws SQLException {
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
    return found;
  }

  /**
   * Writes {@code entry}'s row and its index rows, unless one of its ids was invalidated at or
   * after its fetch began (less {@code toleranceMillis}) or a live row from a fetch as new or newer
   * is stored: an older fetch never replaces a newer one; an expired row is no competitor.
   *
   * @return the bytes of the row replaced (0 for none), or -1 when the entry was refused
   */
  static long replace(Connection write, TierEntry entry, long size, long now, long toleranceMillis)
      throws SQLException {
    if (invalidatedSince(write, entry, toleranceMillis)) {
      return -1;
    }
    long replaced = 0;
    try (PreparedStatement existing =
        write.prepareStatement(
            "SELECT fetch_started, expires_at, bytes FROM cache_entries WHERE key = ?")) {
      existing.setString(1, entry.key());
      try (ResultSet row = existing.executeQuery()) {
        if (row.next()) {
          if (row.getLong(2) > now && row.getLong(1) >= entry.fetchStartedMillis()) {
            return -1;
          }
          replaced = row.getLong(3);
        }
      }
    }
    deleteIds(write, entry.key());
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
    return replaced;
  }

  /**
   * Records an invalidation of {@code ids} at {@code now} (a marker refusing fills fetched before
   * it) and deletes the rows holding them.
   *
   * @return the bytes freed
   */
  static long drop(Connection write, Set<String> ids, long now) throws SQLException {
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
    return deleteEntries(write, keys);
  }

  /** Deletes the rows expired at {@code now} and their index rows. */
  static Void purgeExpired(Connection write, long now) throws SQLException {
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
    }
    return null;
  }

  /** Forgets the invalidation markers older than {@code before}. */
  static void forgetMarkers(Connection write, long before) throws SQLException {
    try (PreparedStatement old =
        write.prepareStatement("DELETE FROM cache_invalidations WHERE at < ?")) {
      old.setLong(1, before);
      old.executeUpdate();
    }
  }

  /** Writes each key's last hit (millis) to its row, keeping a later one already there. */
  static Void recordUses(Connection write, Map<String, Long> uses) throws SQLException {
    try (PreparedStatement use =
        write.prepareStatement(
            "UPDATE cache_entries SET used_at = MAX(used_at, ?) WHERE key = ?")) {
      for (Map.Entry<String, Long> hit : uses.entrySet()) {
        use.setLong(1, hit.getValue());
        use.setString(2, hit.getKey());
        use.addBatch();
      }
      use.executeBatch();
    }
    return null;
  }

  /** Up to {@code batch} least recently used keys whose rows free at least {@code excess} bytes. */
  static List<String> leastRecentlyUsed(Connection write, long excess, int batch)
      throws SQLException {
    List<String> victims = new ArrayList<>();
    try (PreparedStatement oldest =
        write.prepareStatement(
            "SELECT key, bytes FROM cache_entries ORDER BY used_at LIMIT " + batch)) {
      try (ResultSet rows = oldest.executeQuery()) {
        long planned = excess;
        while (rows.next() && planned > 0) {
          victims.add(rows.getString(1));
          planned -= rows.getLong(2);
        }
      }
    }
    return victims;
  }
}
