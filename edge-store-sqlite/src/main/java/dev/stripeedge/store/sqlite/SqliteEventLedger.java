package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.StripeEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * An {@link EventLedger} in one SQLite file: WAL journal, {@code synchronous=FULL}, so a recorded
 * event survives a crash of the process and of the machine.
 *
 * <p>Tables: {@code processed_events} (event id, object id, type, created, received at; a unique
 * index on object, type and second catches Stripe's double events) and {@code cursors}. The file is
 * created on first open and kept compatible by {@code CREATE … IF NOT EXISTS}. Thread-safe: one
 * connection, one caller at a time (SQLite writes one at a time anyway); every method blocks on
 * disk I/O. Errors are {@link IllegalStateException}s carrying the SQL error.
 */
public final class SqliteEventLedger implements EventLedger {

  private static final String RECONCILE_CURSOR = "reconcile";

  private final Path file;
  private final Connection connection;
  private final PreparedStatement insert;
  private final PreparedStatement byId;
  private final PreparedStatement readCursor;
  private final PreparedStatement writeCursor;
  private boolean closed;

  private SqliteEventLedger(Path file) throws SQLException {
    this.file = file;
    this.connection = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA journal_mode=WAL");
      // FULL: the WAL is synced on every commit, so "recorded" means on disk before we answer 2xx.
      statement.execute("PRAGMA synchronous=FULL");
      statement.execute("PRAGMA busy_timeout=5000");
      statement.execute(
          """
          CREATE TABLE IF NOT EXISTS processed_events (
            event_id    TEXT PRIMARY KEY,
            object_id   TEXT,
            type        TEXT NOT NULL,
            created     INTEGER NOT NULL,
            received_at INTEGER NOT NULL)""");
      // NULL object ids are distinct in a UNIQUE index: events without an object dedupe by id only.
      statement.execute(
          "CREATE UNIQUE INDEX IF NOT EXISTS processed_events_change"
              + " ON processed_events (object_id, type, created)");
      statement.execute(
          "CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    }
    this.insert =
        connection.prepareStatement(
            "INSERT OR IGNORE INTO processed_events"
                + " (event_id, object_id, type, created, received_at) VALUES (?, ?, ?, ?, ?)");
    this.byId = connection.prepareStatement("SELECT 1 FROM processed_events WHERE event_id = ?");
    this.readCursor = connection.prepareStatement("SELECT value FROM cursors WHERE name = ?");
    this.writeCursor =
        connection.prepareStatement(
            "INSERT INTO cursors (name, value) VALUES (?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET value = excluded.value");
  }

  /**
   * Opens (creating when missing) the ledger in {@code file}; its directory is created too.
   *
   * @throws IllegalStateException the file cannot be opened or is not a SQLite database
   */
  public static SqliteEventLedger open(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      return new SqliteEventLedger(file);
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(
          "cannot open the SQLite store " + file + ": " + e.getMessage(), e);
    }
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  @Override
  public synchronized Recorded record(StripeEvent event, Instant receivedAt) {
    open();
    try {
      insert.setString(1, event.id());
      insert.setString(2, event.objectId());
      insert.setString(3, event.type());
      insert.setLong(4, event.created());
      insert.setLong(5, receivedAt.toEpochMilli());
      // Autocommit: one statement, one durable transaction; the unique keys make it atomic.
      if (insert.executeUpdate() == 1) {
        return Recorded.NEW;
      }
      return exists(event.id()) ? Recorded.DUPLICATE_EVENT : Recorded.DUPLICATE_CHANGE;
    } catch (SQLException e) {
      throw failure("record " + event.id(), e);
    }
  }

  @Override
  public synchronized boolean contains(String eventId) {
    open();
    try {
      return exists(eventId);
    } catch (SQLException e) {
      throw failure("look up " + eventId, e);
    }
  }

  @Override
  public synchronized @Nullable String cursor() {
    open();
    try {
      readCursor.setString(1, RECONCILE_CURSOR);
      try (ResultSet rows = readCursor.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    } catch (SQLException e) {
      throw failure("read the cursor", e);
    }
  }

  @Override
  public synchronized void advance(String eventId) {
    open();
    try {
      writeCursor.setString(1, RECONCILE_CURSOR);
      writeCursor.setString(2, eventId);
      writeCursor.executeUpdate();
    } catch (SQLException e) {
      throw failure("advance the cursor", e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      connection.close();
    } catch (SQLException e) {
      throw failure("close", e);
    }
  }

  private boolean exists(String eventId) throws SQLException {
    byId.setString(1, eventId);
    try (ResultSet rows = byId.executeQuery()) {
      return rows.next();
    }
  }

  private void open() {
    if (closed) {
      throw new IllegalStateException("the SQLite store " + file + " is closed");
    }
  }

  private IllegalStateException failure(String what, SQLException e) {
    return new IllegalStateException(
        "SQLite store " + file + ": cannot " + what + ": " + e.getMessage(), e);
  }

  @Override
  public String toString() {
    return "SqliteEventLedger[" + file + "]";
  }
}
