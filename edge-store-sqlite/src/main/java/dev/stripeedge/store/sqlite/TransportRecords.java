package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.queue.Delivery;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.queue.WriteState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The calls a backend that carries writes on another transport (SQS) makes on a {@link
 * SqliteWorkQueue}'s rows: record a write received from the transport ({@link #adopt}), lease it by
 * id ({@link #lease}), keep and give back the transport's handle ({@link #handle}, {@link
 * #releaseDue}), read a write back ({@link #write}). Such a backend never calls {@link
 * SqliteWorkQueue#poll}; the rest of the {@code WorkQueue} it delegates to the queue.
 *
 * <p>Thread-safe: every call holds the queue's own lock (one connection, one transaction at a
 * time).
 */
public final class TransportRecords {

  private final SqliteWorkQueue owner;
  private final WriteTable table;
  private final Connection connection;

  TransportRecords(SqliteWorkQueue owner, WriteTable table) {
    this.owner = owner;
    this.table = table;
    this.connection = table.connection();
  }

  /**
   * How many writes are unfinished (queued or in flight): what {@link SqliteWorkQueue#enqueue}
   * bounds.
   */
  public long unfinished() {
    synchronized (owner) {
      return table.query(
          () -> {
            try (Statement count = connection.createStatement()) {
              ResultSet rows =
                  count.executeQuery(
                      "SELECT COUNT(*) FROM async_writes WHERE state IN ('queued', 'in_flight')");
              return rows.next() ? rows.getLong(1) : 0L;
            }
          });
    }
  }

  /**
   * Which of {@code writes} the transport may send, judged as {@link SqliteWorkQueue#enqueue}
   * judges its own: for each, null when it may, or why not ({@link WorkQueue.Full} once {@code
   * maxQueued} writes are unfinished, counting those admitted before it; an id already recorded or
   * repeated in the batch). The transport sends the admitted ones, then {@link #adopt}s them.
   */
  public List<@Nullable RuntimeException> admit(List<QueuedWrite> writes, int maxQueued) {
    List<@Nullable RuntimeException> verdicts = new ArrayList<>(writes.size());
    Set<String> ids = new HashSet<>();
    long unfinished = unfinished();
    for (QueuedWrite write : writes) {
      if (unfinished >= maxQueued) {
        verdicts.add(new WorkQueue.Full(unfinished));
      } else if (!ids.add(write.id()) || owner.status(write.id()).isPresent()) {
        verdicts.add(new IllegalArgumentException("a write with this id exists: " + write.id()));
      } else {
        verdicts.add(null);
        unfinished++;
      }
    }
    return verdicts;
  }

  /** {@link #admit(List, int)} for one write: throws why it may not be sent. */
  public void admit(QueuedWrite write, int maxQueued) {
    RuntimeException refused = admit(List.of(write), maxQueued).get(0);
    if (refused != null) {
      throw refused;
    }
  }

  /**
   * Records a write that arrived on another transport when no record of it exists (another edge
   * accepted it, or this one died between the transport's acknowledgement and the record), queued;
   * no bound applies, it is already accepted.
   *
   * @return whether a record was made
   */
  public boolean adopt(QueuedWrite write) {
    synchronized (owner) {
      return table.transaction(() -> table.insert(write, "INSERT OR IGNORE") == 1);
    }
  }

  /** What {@link #lease} found. */
  public sealed interface Lease {
    /** The write is leased to this delivery. */
    record Granted(Delivery delivery) implements Lease {}

    /** The write is over (or unknown): its message is stale. */
    record Finished() implements Lease {}

    /**
     * The write is not due: waiting for a retry, or leased to a live delivery.
     *
     * @param at when it is due
     */
    record NotDue(Instant at) implements Lease {}
  }

  /**
   * Leases the write {@code id}, received on another transport as {@code handle}, when it is due
   * (queued and past its time, or in flight with a lease that ran out): in flight until {@code now
   * + visibility}, attempts raised, the handle kept. Otherwise only the handle is kept.
   */
  public Lease lease(String id, Instant now, Duration visibility, String handle) {
    synchronized (owner) {
      long at = now.toEpochMilli();
      return table.transaction(
          () -> {
            try (PreparedStatement select =
                    connection.prepareStatement(
                        "SELECT "
                            + WriteTable.LEASE_COLUMNS
                            + ", state, not_before, lease_until FROM async_writes WHERE id = ?");
                PreparedStatement hold =
                    connection.prepareStatement(
                        "UPDATE async_writes SET handle = ? WHERE seq = ?")) {
              select.setString(1, id);
              ResultSet rows = select.executeQuery();
              if (!rows.next() || WriteState.ofTag(rows.getString("state")).finished()) {
                return new Lease.Finished();
              }
              boolean queued = rows.getString("state").equals("queued");
              long due = queued ? rows.getLong("not_before") : rows.getLong("lease_until");
              if (due > at) {
                hold.setString(1, handle);
                hold.setLong(2, rows.getLong("seq"));
                hold.executeUpdate();
                return new Lease.NotDue(Instant.ofEpochMilli(due));
              }
              return new Lease.Granted(table.lease(rows, at, visibility, handle));
            }
          });
    }
  }

  /** The other transport's handle kept for write {@code id} (an SQS receipt handle), or null. */
  public @Nullable String handle(String id) {
    synchronized (owner) {
      return table.query(
          () -> {
            try (PreparedStatement select =
                connection.prepareStatement("SELECT handle FROM async_writes WHERE id = ?")) {
              select.setString(1, id);
              ResultSet rows = select.executeQuery();
              return rows.next() ? rows.getString(1) : null;
            }
          });
    }
  }

  /**
   * A write held on another transport: its id and handle.
   *
   * @param id the write's id
   * @param handle the transport's handle
   */
  public record Held(String id, String handle) {}

  /**
   * The writes held on another transport that are due at {@code now} (queued past their time, or in
   * flight with a lease that ran out), their handles forgotten: the caller gives them back.
   */
  public List<Held> releaseDue(Instant now) {
    synchronized (owner) {
      long at = now.toEpochMilli();
      return table.transaction(
          () -> {
            List<Held> out = new ArrayList<>();
            try (PreparedStatement select =
                    connection.prepareStatement(
                        "SELECT seq, id, handle FROM async_writes WHERE handle IS NOT NULL"
                            + " AND ((state = 'queued' AND not_before <= ?)"
                            + " OR (state = 'in_flight' AND lease_until <= ?))");
                PreparedStatement clear =
                    connection.prepareStatement(
                        "UPDATE async_writes SET handle = NULL WHERE seq = ?")) {
              select.setLong(1, at);
              select.setLong(2, at);
              ResultSet rows = select.executeQuery();
              while (rows.next()) {
                out.add(new Held(rows.getString("id"), rows.getString("handle")));
                clear.setLong(1, rows.getLong("seq"));
                clear.executeUpdate();
              }
            }
            return out;
          });
    }
  }

  /** The write {@code id} as it was accepted, or empty when unknown. */
  public Optional<QueuedWrite> write(String id) {
    synchronized (owner) {
      return table.query(
          () -> {
            try (PreparedStatement select =
                connection.prepareStatement(
                    "SELECT id, order_key, method, path, query, headers, body, callback_url,"
                        + " accepted_at FROM async_writes WHERE id = ?")) {
              select.setString(1, id);
              ResultSet rows = select.executeQuery();
              return rows.next()
                  ? Optional.of(WriteTable.write(rows))
                  : Optional.<QueuedWrite>empty();
            }
          });
    }
  }
}
