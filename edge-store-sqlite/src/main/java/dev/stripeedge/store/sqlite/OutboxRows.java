package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.core.webhooks.WebhookOutbox.Delivery;
import dev.stripeedge.core.webhooks.WebhookOutbox.State;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of {@link SqliteEventLedger}'s webhook outbox ({@code webhook_outbox}: one row per event
 * and forward target), as statements prepared on the database's writer connection.
 *
 * <p>Not thread-safe: used on the writer thread only, inside the ledger's calls.
 */
final class OutboxRows implements AutoCloseable {

  private final PreparedStatement enqueue;
  private final PreparedStatement due;
  private final PreparedStatement dueForTarget;
  private final PreparedStatement markDelivered;
  private final PreparedStatement markFailed;
  private final PreparedStatement deadRows;
  private final PreparedStatement replayOne;
  private final PreparedStatement replayAll;
  private final PreparedStatement nextDue;

  /** Creates the table when missing and prepares the statements on {@code connection}. */
  OutboxRows(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
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
    // One target's lane: the same rule, on the (target, object_id, state, id) index.
    this.dueForTarget =
        connection.prepareStatement(
            "SELECT "
                + columns
                + " FROM webhook_outbox d WHERE d.target = ? AND d.state = 'pending'"
                + " AND d.next_attempt_at <= ?"
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

  /** Queues {@code payload} of {@code event} for {@code target}, due at once. */
  void enqueue(StripeEvent event, String target, byte[] payload, Instant receivedAt)
      throws SQLException {
    enqueue.setString(1, event.id());
    enqueue.setString(2, event.objectId());
    enqueue.setString(3, target);
    enqueue.setBytes(4, payload);
    enqueue.setLong(5, receivedAt.toEpochMilli());
    enqueue.executeUpdate();
  }

  /**
   * Up to {@code limit} pending deliveries due at {@code now}; an earlier pending row of the same
   * object and target holds a later one back.
   */
  List<Delivery> due(Instant now, int limit) throws SQLException {
    due.setLong(1, now.toEpochMilli());
    due.setInt(2, limit);
    return deliveries(due);
  }

  /** {@link #due(Instant, int)} of {@code target} only. */
  List<Delivery> due(Instant now, String target, int limit) throws SQLException {
    dueForTarget.setString(1, target);
    dueForTarget.setLong(2, now.toEpochMilli());
    dueForTarget.setInt(3, limit);
    return deliveries(dueForTarget);
  }

  /** Marks a delivery done; its payload is no longer needed, the row stays as its record. */
  int delivered(long id) throws SQLException {
    markDelivered.setLong(1, id);
    return markDelivered.executeUpdate();
  }

  /** Records a failed attempt: {@code state} pending (retried at {@code nextAt}) or dead. */
  int failed(long id, String state, int attempts, long nextAt, String error) throws SQLException {
    markFailed.setString(1, state);
    markFailed.setInt(2, attempts);
    markFailed.setLong(3, nextAt);
    markFailed.setString(4, error);
    markFailed.setLong(5, id);
    return markFailed.executeUpdate();
  }

  /** Every dead delivery, oldest first. */
  List<Delivery> dead() throws SQLException {
    return deliveries(deadRows);
  }

  /**
   * Makes the dead deliveries of {@code eventId} (all, when null) pending again, due at {@code
   * now}.
   */
  int replay(@Nullable String eventId, Instant now) throws SQLException {
    if (eventId == null) {
      replayAll.setLong(1, now.toEpochMilli());
      return replayAll.executeUpdate();
    }
    replayOne.setLong(1, now.toEpochMilli());
    replayOne.setString(2, eventId);
    return replayOne.executeUpdate();
  }

  /** When the next pending delivery is due, or null when none is pending. */
  @Nullable Instant nextDue() throws SQLException {
    try (ResultSet rows = nextDue.executeQuery()) {
      if (!rows.next()) {
        return null;
      }
      long at = rows.getLong(1);
      return rows.wasNull() ? null : Instant.ofEpochMilli(at);
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
  public void close() throws SQLException {
    for (PreparedStatement statement :
        List.of(
            enqueue,
            due,
            dueForTarget,
            markDelivered,
            markFailed,
            deadRows,
            replayOne,
            replayAll,
            nextDue)) {
      statement.close();
    }
  }
}
