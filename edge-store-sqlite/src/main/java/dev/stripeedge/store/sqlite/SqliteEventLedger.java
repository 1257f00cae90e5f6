package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.StripeEvent;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
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
 * Thread-safe: every call runs on the {@link SqliteDatabase}'s writer thread (shared with the cache
 * tier when they share the file), one at a time, and blocks its caller until done. Errors are
 * {@link IllegalStateException}s carrying the SQL error.
 */
public final class SqliteEventLedger implements EventStore {

  // Over 400 lines: the ledger, the journal, the cursors and the outbox change together in one
  // transaction per event.

  private static final String RECONCILE_CURSOR = "reconcile";

  private final SqliteDatabase database;
  // Whether the ledger opened the database itself, and so closes it.
  private final boolean owned;
  private final PreparedStatement insert;
  private final PreparedStatement byId;
  private final PreparedStatement markApplied;
  private final PreparedStatement unapplied;
  private final PreparedStatement readCursor;
  private final PreparedStatement writeCursor;
  private final PreparedStatement noteAccount;
  private final PreparedStatement listAccounts;
  private final OutboxRows outbox;
  private volatile boolean closed;

  /** Statements prepared on the database's writer connection, used on its thread only. */
  private SqliteEventLedger(SqliteDatabase database, boolean owned, Connection connection)
      throws SQLException {
    this.database = database;
    this.owned = owned;
    // synchronous=FULL (SqliteDatabase): the WAL is synced on every commit, so "recorded" means on
    // disk before the edge answers 2xx.
    try (Statement statement = connection.createStatement()) {
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
      statement.execute("CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY)");
    }
    this.noteAccount =
        connection.prepareStatement("INSERT OR IGNORE INTO accounts (account) VALUES (?)");
    this.listAccounts = connection.prepareStatement("SELECT account FROM accounts ORDER BY rowid");
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
    this.outbox = new OutboxRows(connection);
  }

  /**
   * Opens (creating when missing) the ledger in {@code file}; its directory is created too.
   *
   * @throws IllegalStateException the file cannot be opened or is not a SQLite database
   */
  public static SqliteEventLedger open(Path file) {
    SqliteDatabase database;
    try {
      database = SqliteDatabase.open(file, 0);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "cannot open the SQLite store " + file + ": " + e.getMessage(), e);
    }
    try {
      return open(database, true);
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
  }

  /**
   * Opens (creating when missing) the ledger's tables in {@code database}, next to whatever else it
   * holds. The database stays open when the ledger closes.
   *
   * @throws IllegalStateException the tables cannot be created
   */
  public static SqliteEventLedger open(SqliteDatabase database) {
    return open(database, false);
  }

  private static SqliteEventLedger open(SqliteDatabase database, boolean owned) {
    try {
      return database.await(
          connection -> new SqliteEventLedger(database, owned, connection), false);
    } catch (SQLException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot open the SQLite store " + database.file() + ": " + e.getMessage(), e);
    }
  }

  /** The database file. */
  public Path file() {
    return database.file();
  }

  /**
   * Runs {@code work} on the database's writer (in one transaction when {@code transaction}) and
   * waits for it; a SQL error says it could not {@code what}.
   */
  private <T extends @Nullable Object> T call(
      String what, boolean transaction, SqliteDatabase.Work<T> work) {
    open();
    try {
      return database.await(work, transaction);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  @Override
  public Recorded record(StripeEvent event, Instant receivedAt) {
    // Autocommit: each statement is one durable transaction; the unique keys make it atomic.
    return call("record " + event.id(), false, connection -> insertRow(event, receivedAt));
  }

  @Override
  public Recorded record(
      StripeEvent event, Instant receivedAt, byte[] payload, List<String> forwardTo) {
    if (forwardTo.isEmpty()) {
      return record(event, receivedAt);
    }
    // One transaction: the event and its deliveries are durable together or not at all.
    return call(
        "record and queue " + event.id(),
        true,
        connection -> {
          Recorded recorded = insertRow(event, receivedAt);
          if (recorded == Recorded.NEW) {
            for (String target : forwardTo) {
              outbox.enqueue(event, target, payload, receivedAt);
            }
          }
          return recorded;
        });
  }

  /**
   * Inserts {@code event}'s row, unapplied. A double event (same object, type and second as one
   * recorded, another id) gets a row too, without the object id, which the change's unique index
   * would refuse: so its application is journaled and its redelivery is a duplicate event.
   */
  private Recorded insertRow(StripeEvent event, Instant receivedAt) throws SQLException {
    if (insert(event, event.objectId(), receivedAt)) {
      noteAccount(event);
      return Recorded.NEW;
    }
    if (exists(event.id())) {
      return Recorded.DUPLICATE_EVENT;
    }
    insert(event, null, receivedAt);
    noteAccount(event);
    return Recorded.DUPLICATE_CHANGE;
  }

  private void noteAccount(StripeEvent event) throws SQLException {
    if (event.account() != null) {
      noteAccount.setString(1, event.account());
      noteAccount.executeUpdate();
    }
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
  public List<Delivery> due(Instant now, int limit) {
    return call("read due deliveries", false, connection -> outbox.due(now, limit));
  }

  @Override
  public List<Delivery> due(Instant now, String target, int limit) {
    return call("read due deliveries", false, connection -> outbox.due(now, target, limit));
  }

  @Override
  public void delivered(long id) {
    // The payload is no longer needed; the row stays as a record of the delivery.
    call("mark delivery " + id + " delivered", false, connection -> outbox.delivered(id));
  }

  @Override
  public void retryLater(long id, int attempts, Instant nextAttemptAt, String error) {
    fail(id, "pending", attempts, nextAttemptAt.toEpochMilli(), error);
  }

  @Override
  public void dead(long id, int attempts, String error) {
    fail(id, "dead", attempts, Long.MAX_VALUE, error);
  }

  private void fail(long id, String state, int attempts, long nextAt, String error) {
    call(
        "record a failed delivery " + id,
        false,
        connection -> outbox.failed(id, state, attempts, nextAt, error));
  }

  @Override
  public List<Delivery> deadLetters() {
    return call("read dead deliveries", false, connection -> outbox.dead());
  }

  @Override
  public int replay(@Nullable String eventId, Instant now) {
    return call("replay dead deliveries", false, connection -> outbox.replay(eventId, now));
  }

  @Override
  public @Nullable Instant nextDue() {
    return call("read the next due delivery", false, connection -> outbox.nextDue());
  }

  @Override
  public boolean contains(String eventId) {
    return call("look up " + eventId, false, connection -> exists(eventId));
  }

  @Override
  public void markApplied(Collection<String> eventIds) {
    open();
    if (eventIds.isEmpty()) {
      return;
    }
    // One transaction (one sync) for the batch.
    call(
        "mark " + eventIds.size() + " events applied",
        true,
        connection -> {
          for (String eventId : eventIds) {
            markApplied.setString(1, eventId);
            markApplied.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public List<Unapplied> unapplied(Instant receivedBefore, int limit) {
    return call(
        "read unapplied events",
        false,
        connection -> {
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
        });
  }

  @Override
  public @Nullable String cursor(String account) {
    return call(
        "read the cursor",
        false,
        connection -> {
          readCursor.setString(1, cursorName(account));
          try (ResultSet rows = readCursor.executeQuery()) {
            return rows.next() ? rows.getString(1) : null;
          }
        });
  }

  @Override
  public void advance(String account, String eventId) {
    call(
        "advance the cursor",
        false,
        connection -> {
          writeCursor.setString(1, cursorName(account));
          writeCursor.setString(2, eventId);
          return writeCursor.executeUpdate();
        });
  }

  /** The platform's cursor keeps its name from before connected accounts had theirs. */
  private static String cursorName(String account) {
    return account.isEmpty() ? RECONCILE_CURSOR : RECONCILE_CURSOR + ":" + account;
  }

  @Override
  public List<String> accounts() {
    return call(
        "read the accounts",
        false,
        connection -> {
          List<String> accounts = new ArrayList<>();
          try (ResultSet rows = listAccounts.executeQuery()) {
            while (rows.next()) {
              accounts.add(rows.getString(1));
            }
          }
          return accounts;
        });
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (owned) {
      database.close();
      return;
    }
    try {
      // On the writer: a statement closes on the thread that uses it.
      database.await(
          connection -> {
            for (PreparedStatement statement : statements()) {
              statement.close();
            }
            outbox.close();
            return null;
          },
          false);
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

  private List<PreparedStatement> statements() {
    return List.of(
        insert, byId, markApplied, unapplied, readCursor, writeCursor, noteAccount, listAccounts);
  }

  private boolean exists(String eventId) throws SQLException {
    byId.setString(1, eventId);
    try (ResultSet rows = byId.executeQuery()) {
      return rows.next();
    }
  }

  private void open() {
    if (closed) {
      throw new IllegalStateException("the SQLite store " + file() + " is closed");
    }
  }

  private IllegalStateException failure(String what, SQLException e) {
    return new IllegalStateException(
        "SQLite store " + file() + ": cannot " + what + ": " + e.getMessage(), e);
  }

  @Override
  public String toString() {
    return "SqliteEventLedger[" + file() + "]";
  }
}
