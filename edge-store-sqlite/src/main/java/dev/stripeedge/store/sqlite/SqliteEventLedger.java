package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.StripeEvent;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
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
 * {@link IllegalStateException}s carrying the SQL error. The SQL is {@link EventRows}' (ledger,
 * journal, cursors, accounts) and {@link OutboxRows}' (outbox); this class runs it, one transaction
 * per event.
 */
public final class SqliteEventLedger implements EventStore {

  private final SqliteDatabase database;
  // Whether the ledger opened the database itself, and so closes it.
  private final boolean owned;
  private final EventRows rows;
  private final OutboxRows outbox;
  private volatile boolean closed;

  /** Statements prepared on the database's writer connection, used on its thread only. */
  private SqliteEventLedger(SqliteDatabase database, boolean owned, Connection connection)
      throws SQLException {
    this.database = database;
    this.owned = owned;
    this.rows = new EventRows(connection);
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
    return call("record " + event.id(), false, connection -> rows.insert(event, receivedAt));
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
          Recorded recorded = rows.insert(event, receivedAt);
          if (recorded == Recorded.NEW) {
            for (String target : forwardTo) {
              outbox.enqueue(event, target, payload, receivedAt);
            }
          }
          return recorded;
        });
  }

  @Override
  public void heartbeat(Instant now) {
    call(
        "write the heartbeat",
        false,
        connection -> {
          try (PreparedStatement beat =
              connection.prepareStatement(
                  "INSERT INTO heartbeat (id, at) VALUES (1, ?)"
                      + " ON CONFLICT (id) DO UPDATE SET at = excluded.at")) {
            beat.setLong(1, now.toEpochMilli());
            return beat.executeUpdate();
          }
        });
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
    return call("look up " + eventId, false, connection -> rows.exists(eventId));
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
          rows.markApplied(eventIds);
          return null;
        });
  }

  @Override
  public List<Unapplied> unapplied(Instant receivedBefore, int limit) {
    return call(
        "read unapplied events", false, connection -> rows.unapplied(receivedBefore, limit));
  }

  @Override
  public @Nullable String cursor(String account) {
    return call("read the cursor", false, connection -> rows.cursor(account));
  }

  @Override
  public void advance(String account, String eventId) {
    call("advance the cursor", false, connection -> rows.advance(account, eventId));
  }

  @Override
  public List<String> accounts() {
    return call("read the accounts", false, connection -> rows.accounts());
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
            rows.close();
            outbox.close();
            return null;
          },
          false);
    } catch (SQLException e) {
      throw failure("close", e);
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
