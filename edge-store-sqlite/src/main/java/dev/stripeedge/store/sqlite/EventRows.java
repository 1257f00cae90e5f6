package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import dev.stripeedge.core.webhooks.EventLedger.Unapplied;
import dev.stripeedge.core.webhooks.StripeEvent;
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
 * The SQL of {@link SqliteEventLedger}'s ledger, journal, cursors and accounts ({@code
 * processed_events}, {@code cursors}, {@code accounts}), as statements prepared on the database's
 * writer connection; the outbox's are {@link OutboxRows}. Creates the tables when missing and adds
 * the columns an older file lacks.
 *
 * <p>Not thread-safe: used on the writer thread only, inside the ledger's calls.
 */
final class EventRows implements AutoCloseable {

  private static final String RECONCILE_CURSOR = "reconcile";

  private final PreparedStatement insert;
  private final PreparedStatement byId;
  private final PreparedStatement markApplied;
  private final PreparedStatement unapplied;
  private final PreparedStatement readCursor;
  private final PreparedStatement writeCursor;
  private final PreparedStatement noteAccount;
  private final PreparedStatement listAccounts;

  /** Creates the tables when missing and prepares the statements on {@code connection}. */
  EventRows(Connection connection) throws SQLException {
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
      // One row the readiness heartbeat rewrites: a write that proves the file takes writes.
      statement.execute(
          "CREATE TABLE IF NOT EXISTS heartbeat"
              + " (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)");
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
  }

  /**
   * Inserts {@code event}'s row, unapplied. A double event (same object, type and second as one
   * recorded, another id) gets a row too, without the object id, which the change's unique index
   * would refuse: so its application is journaled and its redelivery is a duplicate event.
   */
  Recorded insert(StripeEvent event, Instant receivedAt) throws SQLException {
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

  boolean exists(String eventId) throws SQLException {
    byId.setString(1, eventId);
    try (ResultSet rows = byId.executeQuery()) {
      return rows.next();
    }
  }

  void markApplied(Collection<String> eventIds) throws SQLException {
    for (String eventId : eventIds) {
      markApplied.setString(1, eventId);
      markApplied.executeUpdate();
    }
  }

  List<Unapplied> unapplied(Instant receivedBefore, int limit) throws SQLException {
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
  }

  @Nullable String cursor(String account) throws SQLException {
    readCursor.setString(1, cursorName(account));
    try (ResultSet rows = readCursor.executeQuery()) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  int advance(String account, String eventId) throws SQLException {
    writeCursor.setString(1, cursorName(account));
    writeCursor.setString(2, eventId);
    return writeCursor.executeUpdate();
  }

  /** The platform's cursor keeps its name from before connected accounts had theirs. */
  private static String cursorName(String account) {
    return account.isEmpty() ? RECONCILE_CURSOR : RECONCILE_CURSOR + ":" + account;
  }

  List<String> accounts() throws SQLException {
    List<String> accounts = new ArrayList<>();
    try (ResultSet rows = listAccounts.executeQuery()) {
      while (rows.next()) {
        accounts.add(rows.getString(1));
      }
    }
    return accounts;
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

  @Override
  public void close() throws SQLException {
    for (PreparedStatement statement :
        List.of(
            insert,
            byId,
            markApplied,
            unapplied,
            readCursor,
            writeCursor,
            noteAccount,
            listAccounts)) {
      statement.close();
    }
  }
}
