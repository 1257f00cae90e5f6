package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.queue.Delivery;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.queue.WriteStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The embedded {@link WorkQueue}: table {@code async_writes} in the edge's SQLite file (WAL, {@code
 * synchronous=FULL}, so an enqueue is on disk when it returns), one row per write from acceptance
 * until it is purged. Self-contained (its own connection) so it can move onto a shared database
 * handle later.
 *
 * <p>Per-object order: a write is delivered only when no earlier unfinished write shares its order
 * key. Leases: a delivered row holds a random lease and its end; a row whose lease ended is
 * delivered again (a worker that died), and a worker holding an old lease can no longer change it.
 * Each change is one {@code BEGIN IMMEDIATE} transaction, so edges sharing the file never deliver
 * one write twice within a lease.
 *
 * <p>The table is also the record of writes for a backend that carries them on another transport
 * (SQS): {@link #transport} gives the calls it makes on the rows; such a backend never calls {@link
 * #poll}.
 *
 * <p>Thread-safe: one connection, each method {@code synchronized}. Methods block on disk.
 */
public final class SqliteWorkQueue implements WorkQueue {

  // The schema, the row codec and the transaction helpers are in WriteTable; here, each WorkQueue
  // operation (and each call the SQS queue makes on these rows, decisions §31) as one transaction.

  private final WriteTable table;
  private final Connection connection;
  private final TransportRecords transport;

  private SqliteWorkQueue(WriteTable table) {
    this.table = table;
    this.connection = table.connection();
    this.transport = new TransportRecords(this, table);
  }

  /**
   * Opens (creating when needed) the queue in {@code file}.
   *
   * @throws IllegalStateException the file cannot be opened as a SQLite database
   */
  public static SqliteWorkQueue open(Path file) {
    try {
      return new SqliteWorkQueue(WriteTable.open(file));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open the write queue in " + file, e);
    }
  }

  /** The calls a backend carrying the writes on another transport makes on these rows. */
  public TransportRecords transport() {
    return transport;
  }

  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public synchronized void enqueue(QueuedWrite write, int maxQueued) {
    table.transaction(
        () -> {
          try (PreparedStatement count =
              connection.prepareStatement(
                  "SELECT COUNT(*) FROM async_writes WHERE state IN ('queued', 'in_flight')")) {
            ResultSet rows = count.executeQuery();
            long held = rows.next() ? rows.getLong(1) : 0;
            if (held >= maxQueued) {
              throw new Full(held);
            }
          }
          try {
            table.insert(write, "INSERT");
          } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("UNIQUE")) {
              throw new IllegalArgumentException("a write with this id exists: " + write.id(), e);
            }
            throw e;
          }
          return null;
        });
  }

  @Override
  public synchronized List<Delivery> poll(int max, Instant now, Duration visibility) {
    if (max < 1) {
      return List.of();
    }
    long at = now.toEpochMilli();
    return table.transaction(
        () -> {
          List<Delivery> out = new ArrayList<>();
          try (PreparedStatement select =
                  connection.prepareStatement(
                      "SELECT seq, id, order_key, method, path, query, headers, body,"
                          + " callback_url, accepted_at, attempts FROM async_writes w"
                          + " WHERE ((state = 'queued' AND not_before <= ?)"
                          + " OR (state = 'in_flight' AND lease_until <= ?))"
                          + " AND NOT EXISTS (SELECT 1 FROM async_writes e"
                          + " WHERE e.order_key = w.order_key AND e.seq < w.seq"
                          + " AND e.state IN ('queued', 'in_flight'))"
                          + " ORDER BY seq LIMIT ?");
              PreparedStatement lease =
                  connection.prepareStatement(
                      "UPDATE async_writes SET state = 'in_flight', lease = ?, lease_until = ?,"
                          + " attempts = attempts + 1, updated_at = ? WHERE seq = ?")) {
            select.setLong(1, at);
            select.setLong(2, at);
            select.setInt(3, max);
            ResultSet rows = select.executeQuery();
            while (rows.next()) {
              String token = UUID.randomUUID().toString();
              int attempt = rows.getInt("attempts") + 1;
              QueuedWrite write = WriteTable.write(rows);
              lease.setString(1, token);
              lease.setLong(2, at + visibility.toMillis());
              lease.setLong(3, at);
              lease.setLong(4, rows.getLong("seq"));
              lease.executeUpdate();
              out.add(new Delivery(write, attempt, token));
            }
          }
          return out;
        });
  }

  @Override
  public synchronized boolean retry(
      Delivery delivery, Instant notBefore, String reason, Instant now) {
    return requeue(delivery, notBefore, reason, now, "attempts");
  }

  @Override
  public synchronized boolean defer(
      Delivery delivery, Instant notBefore, String reason, Instant now) {
    // As retry, with the poll's attempt taken back: the edge held the write, Stripe never saw it.
    return requeue(delivery, notBefore, reason, now, "MAX(attempts - 1, 0)");
  }

  /**
   * Back to the queue from the lease {@code delivery} holds, its attempts set to {@code attempts}.
   */
  private boolean requeue(
      Delivery delivery, Instant notBefore, String reason, Instant now, String attempts) {
    return table.update(
            "UPDATE async_writes SET state = 'queued', lease = NULL, lease_until = 0,"
                + " not_before = ?, reason = ?, updated_at = ?, attempts = "
                + attempts
                + " WHERE id = ? AND lease = ? AND state = 'in_flight'",
            notBefore.toEpochMilli(),
            reason,
            now.toEpochMilli(),
            delivery.write().id(),
            delivery.lease())
        == 1;
  }

  @Override
  public synchronized boolean finish(
      Delivery delivery,
      WriteState state,
      int status,
      @Nullable String requestId,
      byte[] body,
      String reason,
      Instant now) {
    if (!state.finished()) {
      throw new IllegalArgumentException("not a finished state: " + state);
    }
    return table.update(
            "UPDATE async_writes SET state = ?, lease = NULL, lease_until = 0, handle = NULL,"
                + " result_status = ?, request_id = ?, result_body = ?, reason = ?,"
                + " updated_at = ?, callback_state = CASE WHEN callback_url IS NULL"
                + " THEN 0 ELSE 1 END, callback_next = ?"
                + " WHERE id = ? AND lease = ? AND state = 'in_flight'",
            state.tag(),
            status,
            requestId,
            body,
            reason,
            now.toEpochMilli(),
            now.toEpochMilli(),
            delivery.write().id(),
            delivery.lease())
        == 1;
  }

  @Override
  public synchronized Optional<WriteStatus> status(String id) {
    return table.query(
        () -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT " + WriteTable.COLUMNS + " FROM async_writes WHERE id = ?")) {
            select.setString(1, id);
            ResultSet rows = select.executeQuery();
            return rows.next()
                ? Optional.of(WriteTable.status(rows))
                : Optional.<WriteStatus>empty();
          }
        });
  }

  @Override
  public synchronized List<WriteStatus> list(WriteState state, int limit) {
    return table.query(
        () -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT "
                      + WriteTable.COLUMNS
                      + " FROM async_writes WHERE state = ? ORDER BY seq LIMIT ?")) {
            select.setString(1, state.tag());
            select.setInt(2, limit);
            ResultSet rows = select.executeQuery();
            List<WriteStatus> out = new ArrayList<>();
            while (rows.next()) {
              out.add(WriteTable.status(rows));
            }
            return out;
          }
        });
  }

  @Override
  public synchronized Map<WriteState, Long> counts() {
    return table.query(
        () -> {
          Map<WriteState, Long> out = new EnumMap<>(WriteState.class);
          for (WriteState state : WriteState.values()) {
            out.put(state, 0L);
          }
          try (Statement select = connection.createStatement()) {
            ResultSet rows =
                select.executeQuery("SELECT state, COUNT(*) FROM async_writes GROUP BY state");
            while (rows.next()) {
              out.put(WriteState.ofTag(rows.getString(1)), rows.getLong(2));
            }
          }
          return out;
        });
  }

  @Override
  public synchronized @Nullable Instant oldestUnfinished() {
    return table.query(
        () -> {
          try (Statement select = connection.createStatement()) {
            ResultSet rows =
                select.executeQuery(
                    "SELECT MIN(accepted_at) FROM async_writes"
                        + " WHERE state IN ('queued', 'in_flight')");
            if (rows.next()) {
              long at = rows.getLong(1);
              return rows.wasNull() ? null : Instant.ofEpochMilli(at);
            }
            return null;
          }
        });
  }

  @Override
  public synchronized Map<String, Backlog> backlogByLane() {
    return table.query(
        () -> {
          Map<String, Backlog> out = new java.util.TreeMap<>();
          try (Statement select = connection.createStatement()) {
            ResultSet rows =
                select.executeQuery(
                    "SELECT lane, COUNT(*), MIN(accepted_at) FROM async_writes"
                        + " WHERE state IN ('queued', 'in_flight') GROUP BY lane");
            while (rows.next()) {
              out.put(
                  rows.getString(1),
                  new Backlog(rows.getLong(2), Instant.ofEpochMilli(rows.getLong(3))));
            }
          }
          return out;
        });
  }

  @Override
  public synchronized boolean requeue(String id, Instant now) {
    return table.update(
            "UPDATE async_writes SET state = 'queued', attempts = 0, not_before = ?,"
                + " updated_at = ?, reason = 'requeued', callback_state = 0"
                + " WHERE id = ? AND state = 'dead'",
            now.toEpochMilli(),
            now.toEpochMilli(),
            id)
        == 1;
  }

  @Override
  public synchronized int purge(Instant before) {
    // A finished write whose callback is still pending stays until the callback is done.
    return table.update(
        "DELETE FROM async_writes WHERE state IN ('succeeded', 'failed', 'dead')"
            + " AND updated_at < ? AND callback_state != 1",
        before.toEpochMilli());
  }

  @Override
  public synchronized List<Callback> dueCallbacks(Instant now, int max) {
    return table.query(
        () -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT id, callback_url, callback_attempts FROM async_writes"
                      + " WHERE callback_state = 1 AND callback_next <= ?"
                      + " ORDER BY callback_next LIMIT ?")) {
            select.setLong(1, now.toEpochMilli());
            select.setInt(2, max);
            ResultSet rows = select.executeQuery();
            List<Callback> out = new ArrayList<>();
            while (rows.next()) {
              out.add(new Callback(rows.getString(1), rows.getString(2), rows.getInt(3)));
            }
            return out;
          }
        });
  }

  @Override
  public synchronized void callbackAttempted(String id, int attempts, boolean done, Instant next) {
    table.update(
        "UPDATE async_writes SET callback_attempts = ?, callback_state = ?, callback_next = ?"
            + " WHERE id = ?",
        attempts,
        done ? 2 : 1,
        next.toEpochMilli(),
        id);
  }

  @Override
  public synchronized void close() {
    table.close();
  }

  @Override
  public String toString() {
    return "SqliteWorkQueue";
  }
}
