package dev.stripeedge.store.sqlite;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The cache-key secret kept in the edge's SQLite file, so that a restarted edge derives the same
 * cache keys and finds what the SQLite tier stored before the restart.
 *
 * <p>Generated (32 random bytes) on first use and never changed: {@code INSERT OR IGNORE} then
 * read, so edges opening the file at once agree on one secret. Whoever can read the file can read
 * the cached responses anyway (unless tier encryption is on); the secret only hashes API keys,
 * which are too long to guess.
 */
public final class SqliteKeySecret {

  private static final String NAME = "cache_key_secret";

  private SqliteKeySecret() {}

  /**
   * The secret stored in {@code file}, created when missing.
   *
   * @throws IllegalStateException the file cannot be opened or written
   */
  public static byte[] load(Path file) {
    SqliteDatabase database;
    try {
      database = SqliteDatabase.open(file, 0);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "cannot keep the cache-key secret in " + file + ": " + e.getMessage(), e);
    }
    try (database) {
      return load(database);
    }
  }

  /**
   * The secret stored in {@code database}, created when missing; blocks until it is on disk.
   *
   * @throws IllegalStateException the database cannot be written
   */
  public static byte[] load(SqliteDatabase database) {
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    try {
      return database.await(connection -> insertThenRead(connection, fresh), true);
    } catch (SQLException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot keep the cache-key secret in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  private static byte[] insertThenRead(Connection connection, byte[] fresh) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE IF NOT EXISTS edge_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)");
    }
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT OR IGNORE INTO edge_secrets (name, value) VALUES (?, ?)")) {
      insert.setString(1, NAME);
      insert.setBytes(2, fresh);
      insert.executeUpdate();
    }
    try (PreparedStatement read =
        connection.prepareStatement("SELECT value FROM edge_secrets WHERE name = ?")) {
      read.setString(1, NAME);
      try (ResultSet row = read.executeQuery()) {
        if (!row.next()) {
          throw new IllegalStateException("no cache-key secret after writing it");
        }
        return row.getBytes(1);
      }
    }
  }
}
