package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.EventStore;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An {@link EventLedger} in one SQLite file: WAL journal, {@code synchronous=FULL}, so a recorded
 * event survives a crash of the process and of the machine.
 *
 * <p>Tables: {@code processed_events} (event id, object id, type, created, received at, the object
 * ids to invalidate, applied 0/1; a unique index on object, type and second catches Stripe's double
 * events; a partial index finds the unapplied), {@code cursors} and {@code webhook_outbox} (one row
 * per event and forward target: payload, attempts, next attempt at, state pending/delivered/dead,
 * last error; queued in the same transaction as the event). The file is created on first open and
 * kept compatible by {@code CREATE … IF NOT EXISTS} and by adding columns a file from an older
 * version lacks (its events count as applied: that version applied them before acknowledging).
 * Thread-safe: one connection, one caller at a time (SQLite writes one at a time anyway); every
 * method blocks on disk I/O. Errors are {@link IllegalStateException}s carrying the SQL error.
 */
public final class SqliteEventLedger implements EventStore {

  private static final String RECONCILE_CURSOR = "reconcile";

  private final Path file;
  private final Connection connection;
  private final PreparedStatement insert;
  private final PreparedStatement byId;
  private final PreparedStatement markApplied;
  private final PreparedStatement unapplied;
  private final PreparedStatement readCursor;
  private final PreparedStatement writeCursor;
  private final PreparedStatement enqueue;
  private final PreparedStatement due;
  private final PreparedStatement markDelivered;
  private final PreparedStatement markFailed;
  private final PreparedStatement deadRows;
  private final PreparedStatement replayOne;
  private final PreparedStatement replayAll;
  private final PreparedStatement nextDue;
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
      // Columns added after the first release: an existing file gets them on open.
      addMissingColumn(statement, "processed_events", "object_ids", "TEXT NOT NULL DEFAULT ''");
      addMissingColumn(statement, "processed_events", "applied", "INTEGER NOT NULL DEFAULT 1");
      statement.execute(
          "CREATE INDEX IF NOT EXISTS processed_events_unapplied"
              + " ON processed_events (received_at) WHERE applied = 0");
      // NULL object ids are distinct in a UNIQUE index: events without an object dedupe by id only.
      statement.execute(
          "CREATE UNIQUE INDEX IF NOT EXISTS processed_events_change"
              + " ON processed_events (object_id, type, created)");
      statement.execute(
          "CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
      statement.execute(
          """
          CREATE TABLE IF NOT EXISTS webhook_outbox (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id        TEXT NOT NULL,
            object_id       TEXT,
            target          TEXT NOT NULL,
            payload         BLOB NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            state           TEXT NOT NULL,
            last_error      TEXT,
            UNIQUE (event_id, target))""");
      statement.execute(
          "CREATE INDEX IF NOT EXISTS webhook_outbox_due"
              + " ON webhook_outbox (state, next_attempt_at)");
      statement.execute(
          "CREATE INDEX IF NOT EXISTS webhook_outbox_order"
              + " ON webhook_outbox (target, object_id, state, id)");
    }
    this.insert =
        connection.prepareStatement(
            "INSERT OR IGNORE INTO processed_events"
                + " (event_id, object_id, type, created, received_at, object_ids, applied)"
                + " VALUES (?, ?, ?, ?, ?, ?, 0)");
    this.markApplied =
        connection.prepareStatement("UPDATE processed_events SET applied = 1 WHERE event_id = ?");
    this.unapplied =
        connection.prepareStatement(
            "SELECT event_id, object_ids, received_at FROM processed_events"
                + " WHERE applied = 0 AND received_at < ? ORDER BY rowid LIMIT ?");
    this.byId = connection.prepareStatement("SELECT 1 FROM processed_events WHERE event_id = ?");
    this.readCursor = connection.prepareStatement("SELECT value FROM cursors WHERE name = ?");
    this.writeCursor =
        connection.prepareStatement(
            "INSERT INTO cursors (name, value) VALUES (?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    this.enqueue =
        connection.prepareStatement(
            "INSERT OR IGNORE INTO webhook_outbox"
                + " (event_id, object_id, target, payload, next_attempt_at, state)"
                + " VALUES (?, ?, ?, ?, ?, 'pending')");
    String columns =
        "d.id, d.event_id, d.object_id, d.target, d.payload, d.attempts, d.next_attempt_at,"
            + " d.state, d.last_error";
    // Ordered per object: an earlier pending row of the same object and target holds it back.
    this.due =
        connection.prepareStatement(
            "SELECT "
                + columns
                + " FROM webhook_outbox d WHERE d.state = 'pending' AND d.next_attempt_at <= ?"
                + " AND NOT EXISTS (SELECT 1 FROM webhook_outbox e WHERE e.state = 'pending'"
                + " AND e.target = d.target AND e.object_id = d.object_id AND e.id < d.id)"
                + " ORDER BY d.id LIMIT ?");
    this.markDelivered =
        connection.prepareStatement(
            "UPDATE webhook_outbox SET state = 'delivered', payload = X'' WHERE id = ?");
    this.markFailed =
        connection.prepareStatement(
            "UPDATE webhook_outbox SET state = ?, attempts = ?, next_attempt_at = ?,"
                + " last_error = ? WHERE id = ?");
    this.deadRows =
        connection.prepareStatement(
            "SELECT " + columns + " FROM webhook_outbox d WHERE d.state = 'dead' ORDER BY d.id");
    this.replayOne =
        connection.prepareStatement(
            "UPDATE webhook_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?"
                + " WHERE state = 'dead' AND event_id = ?");
    this.replayAll =
        connection.prepareStatement(
            "UPDATE webhook_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?"
                + " WHERE state = 'dead'");
    this.nextDue =
        connection.prepareStatement(
            "SELECT MIN(next_attempt_at) FROM webhook_outbox WHERE state = 'pending'");
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
      // Autocommit: each statement is one durable transaction; the unique keys make it atomic.
      return insertRow(event, receivedAt);
    } catch (SQLException e) {
      throw failure("record " + event.id(), e);
    }
  }

  @Override
  public synchronized Recorded record(
      StripeEvent event, Instant receivedAt, byte[] payload, List<String> forwardTo) {
    if (forwardTo.isEmpty()) {
      return record(event, receivedAt);
    }
    open();
    try {
      // One transaction: the event and its deliveries are durable together or not at all.
      connection.setAutoCommit(false);
      try {
        Recorded recorded = insertRow(event, receivedAt);
        if (recorded == Recorded.NEW) {
          for (String target : forwardTo) {
            enqueue.setString(1, event.id());
            enqueue.setString(2, event.objectId());
            enqueue.setString(3, target);
            enqueue.setBytes(4, payload);
            enqueue.setLong(5, receivedAt.toEpochMilli());
            enqueue.executeUpdate();
          }
        }
        connection.commit();
        return recorded;
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failure("record and queue " + event.id(), e);
    }
  }

  /**
   * Inserts {@code event}'s row, unapplied. A double event (same object, type and second as one
   * recorded, another id) gets a row too, without the object id, which the change's unique index
   * would refuse: so its application is journaled and its redelivery is a duplicate event.
   */
  private Recorded insertRow(StripeEvent event, Instant receivedAt) throws SQLException {
    if (insert(event, event.objectId(), receivedAt)) {
      return Recorded.NEW;
    }
    if (exists(event.id())) {
      return Recorded.DUPLICATE_EVENT;
    }
    insert(event, null, receivedAt);
    return Recorded.DUPLICATE_CHANGE;
  }

  private boolean insert(StripeEvent event, @Nullable String objectId, Instant receivedAt)
      throws SQLException {
    insert.setString(1, event.id());
    insert.setString(2, objectId);
    insert.setString(3, event.type());
    insert.setLong(4, event.created());
    insert.setLong(5, receivedAt.toEpochMilli());
    insert.setString(6, String.join(" ", event.objectIds()));
    return insert.executeUpdate() == 1;
  }

  @Override
  public synchronized List<Delivery> due(Instant now, int limit) {
    open();
    try {
      due.setLong(1, now.toEpochMilli());
      due.setInt(2, limit);
      return deliveries(due);
    } catch (SQLException e) {
      throw failure("read due deliveries", e);
    }
  }

  @Override
  public synchronized void delivered(long id) {
    open();
    try {
      // The payload is no longer needed; the row stays as a record of the delivery.
      markDelivered.setLong(1, id);
      markDelivered.executeUpdate();
    } catch (SQLException e) {
      throw failure("mark delivery " + id + " delivered", e);
    }
  }

  @Override
  public synchronized void retryLater(long id, int attempts, Instant nextAttemptAt, String error) {
    fail(id, "pending", attempts, nextAttemptAt.toEpochMilli(), error);
  }

  @Override
  public synchronized void dead(long id, int attempts, String error) {
    fail(id, "dead", attempts, Long.MAX_VALUE, error);
  }

  private void fail(long id, String state, int attempts, long nextAt, String error) {
    open();
    try {
      markFailed.setString(1, state);
      markFailed.setInt(2, attempts);
      markFailed.setLong(3, nextAt);
      markFailed.setString(4, error);
      markFailed.setLong(5, id);
      markFailed.executeUpdate();
    } catch (SQLException e) {
      throw failure("record a failed delivery " + id, e);
    }
  }

  @Override
  public synchronized List<Delivery> deadLetters() {
    open();
    try {
      return deliveries(deadRows);
    } catch (SQLException e) {
      throw failure("read dead deliveries", e);
    }
  }

  @Override
  public synchronized int replay(@Nullable String eventId, Instant now) {
    open();
    try {
      if (eventId == null) {
        replayAll.setLong(1, now.toEpochMilli());
        return replayAll.executeUpdate();
      }
      replayOne.setLong(1, now.toEpochMilli());
      replayOne.setString(2, eventId);
      return replayOne.executeUpdate();
    } catch (SQLException e) {
      throw failure("replay dead deliveries", e);
    }
  }

  @Override
  public synchronized @Nullable Instant nextDue() {
    open();
    try (ResultSet rows = nextDue.executeQuery()) {
      if (!rows.next()) {
        return null;
      }
      long at = rows.getLong(1);
      return rows.wasNull() ? null : Instant.ofEpochMilli(at);
    } catch (SQLException e) {
      throw failure("read the next due delivery", e);
    }
  }

  private static List<Delivery> deliveries(PreparedStatement query) throws SQLException {
    List<Delivery> result = new ArrayList<>();
    try (ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        result.add(
            new Delivery(
                rows.getLong(1),
                rows.getString(2),
                rows.getString(3),
                rows.getString(4),
                rows.getBytes(5),
                rows.getInt(6),
                Instant.ofEpochMilli(rows.getLong(7)),
                State.valueOf(rows.getString(8).toUpperCase(Locale.ROOT)),
                rows.getString(9)));
      }
    }
    return result;
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
  public synchronized void markApplied(Collection<String> eventIds) {
    open();
    if (eventIds.isEmpty()) {
      return;
    }
    try {
      // One transaction (one sync) for the batch.
      connection.setAutoCommit(false);
      try {
        for (String eventId : eventIds) {
          markApplied.setString(1, eventId);
          markApplied.executeUpdate();
        }
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failure("mark " + eventIds.size() + " events applied", e);
    }
  }

  @Override
  public synchronized List<Unapplied> unapplied(Instant receivedBefore, int limit) {
    open();
    try {
      unapplied.setLong(1, receivedBefore.toEpochMilli());
      unapplied.setInt(2, limit);
      List<Unapplied> found = new ArrayList<>();
      try (ResultSet rows = unapplied.executeQuery()) {
        while (rows.next()) {
          String ids = rows.getString(2);
          found.add(
              new Unapplied(
                  rows.getString(1),
                  ids.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(ids.split(" "))),
                  Instant.ofEpochMilli(rows.getLong(3))));
        }
      }
      return found;
    } catch (SQLException e) {
      throw failure("read unapplied events", e);
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

  /** Adds {@code column} to {@code table} unless it is there: the migration of an older file. */
  private static void addMissingColumn(
      Statement statement, String table, String column, String definition) throws SQLException {
    try (ResultSet columns = statement.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (columns.next()) {
        if (columns.getString("name").equals(column)) {
          return;
        }
      }
    }
    try {
      statement.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition);
    } catch (SQLException e) {
      // Another process opening the same file may have added it in between.
      if (e.getMessage() == null || !e.getMessage().contains("duplicate column")) {
        throw e;
      }
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
