package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.queue.Delivery;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.queue.WriteStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The {@code async_writes} table behind {@link SqliteWorkQueue}: its schema (created or upgraded on
 * open), the codec between rows and the core's records, and the transaction helpers every queue
 * operation runs in. Not thread-safe: its one caller ({@link SqliteWorkQueue}) holds its own lock
 * around every use.
 */
final class WriteTable implements AutoCloseable {

  static final String COLUMNS =
      "id, state, method, path, idem_key, accepted_at, updated_at, attempts, result_status,"
          + " request_id, result_body, reason, owner_hash";

  private final Connection connection;
  private boolean closed;

  private WriteTable(Path file) throws SQLException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      parent.toFile().mkdirs();
    }
    this.connection = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA journal_mode=WAL");
      // An accepted write must survive a power cut, not only a crash: fsync on every commit.
      statement.execute("PRAGMA synchronous=FULL");
      statement.execute("PRAGMA busy_timeout=5000");
      statement.execute(
          "CREATE TABLE IF NOT EXISTS async_writes ("
              + " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
              + " id TEXT NOT NULL UNIQUE,"
              + " order_key TEXT NOT NULL,"
              + " state TEXT NOT NULL,"
              + " method TEXT NOT NULL,"
              + " path TEXT NOT NULL,"
              + " query TEXT NOT NULL,"
              + " headers TEXT NOT NULL,"
              + " body BLOB NOT NULL,"
              + " idem_key TEXT NOT NULL,"
              + " owner_hash BLOB NOT NULL,"
              + " callback_url TEXT,"
              + " accepted_at INTEGER NOT NULL,"
              + " updated_at INTEGER NOT NULL,"
              + " not_before INTEGER NOT NULL,"
              + " lease TEXT,"
              + " lease_until INTEGER NOT NULL DEFAULT 0,"
              + " attempts INTEGER NOT NULL DEFAULT 0,"
              + " result_status INTEGER NOT NULL DEFAULT 0,"
              + " request_id TEXT,"
              + " result_body BLOB,"
              + " reason TEXT NOT NULL DEFAULT '',"
              + " callback_state INTEGER NOT NULL DEFAULT 0,"
              + " callback_attempts INTEGER NOT NULL DEFAULT 0,"
              + " callback_next INTEGER NOT NULL DEFAULT 0,"
              + " handle TEXT)");
      addColumn(statement, "handle", "TEXT");
      addColumn(statement, "lane", "TEXT NOT NULL DEFAULT 'background'");
      statement.execute(
          "CREATE INDEX IF NOT EXISTS async_writes_state ON async_writes(state, not_before)");
      statement.execute(
          "CREATE INDEX IF NOT EXISTS async_writes_order ON async_writes(order_key, seq)");
      statement.execute(
          "CREATE INDEX IF NOT EXISTS async_writes_callbacks"
              + " ON async_writes(callback_state, callback_next)");
      statement.execute(
          "CREATE INDEX IF NOT EXISTS async_writes_updated ON async_writes(state, updated_at)");
    }
  }

  /**
   * Opens (creating when needed) the table in {@code file}.
   *
   * @throws SQLException the file cannot be opened as a SQLite database
   */
  static WriteTable open(Path file) throws SQLException {
    return new WriteTable(file);
  }

  /** The connection, for statements run inside {@link #query} or {@link #transaction}. */
  Connection connection() {
    return connection;
  }

  private static void addColumn(Statement statement, String name, String type) throws SQLException {
    // Files made before the column existed get it (handle: only the SQS queue's rows use it; lane:
    // older rows count as background, the lane the workers default to).
    ResultSet columns = statement.executeQuery("PRAGMA table_info(async_writes)");
    boolean present = false;
    while (columns.next()) {
      present |= columns.getString("name").equals(name);
    }
    if (!present) {
      statement.execute("ALTER TABLE async_writes ADD COLUMN " + name + " " + type);
    }
  }

  /** Stores {@code write} queued, with {@code verb} ({@code INSERT}, {@code INSERT OR IGNORE}). */
  int insert(QueuedWrite write, String verb) throws SQLException {
    EdgeRequest request = write.request();
    try (PreparedStatement insert =
        connection.prepareStatement(
            verb
                + " INTO async_writes (id, order_key, state, method, path, query, headers,"
                + " body, idem_key, owner_hash, callback_url, accepted_at, updated_at,"
                + " not_before, lane) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      long at = write.acceptedAt().toEpochMilli();
      insert.setString(1, write.id());
      insert.setString(2, write.orderKey());
      insert.setString(3, request.method());
      insert.setString(4, request.path());
      insert.setString(5, request.rawQuery());
      insert.setString(6, QueuedWrite.headerBlock(request.headers()));
      insert.setBytes(7, request.body());
      insert.setString(8, write.idempotencyKey());
      insert.setBytes(9, write.ownerHash());
      insert.setString(10, write.callbackUrl());
      insert.setLong(11, at);
      insert.setLong(12, at);
      insert.setLong(13, at);
      insert.setString(14, write.lane());
      return insert.executeUpdate();
    }
  }

  /** The columns {@link #lease} reads, as a {@code SELECT} list. */
  static final String LEASE_COLUMNS =
      "seq, id, order_key, method, path, query, headers, body, callback_url, accepted_at,"
          + " attempts";

  /**
   * Leases the write on the current row of {@code rows} (selected with {@link #LEASE_COLUMNS}): in
   * flight until {@code at + visibility}, attempts raised, a new lease token, the other transport's
   * {@code handle} kept when given. One code path for this queue's poll and a transport's lease.
   */
  Delivery lease(ResultSet rows, long at, Duration visibility, @Nullable String handle)
      throws SQLException {
    String token = UUID.randomUUID().toString();
    QueuedWrite write = write(rows);
    try (PreparedStatement lease =
        connection.prepareStatement(
            "UPDATE async_writes SET state = 'in_flight', lease = ?, lease_until = ?,"
                + " attempts = attempts + 1, updated_at = ?, handle = COALESCE(?, handle)"
                + " WHERE seq = ?")) {
      lease.setString(1, token);
      lease.setLong(2, at + visibility.toMillis());
      lease.setLong(3, at);
      lease.setString(4, handle);
      lease.setLong(5, rows.getLong("seq"));
      lease.executeUpdate();
    }
    return new Delivery(write, rows.getInt("attempts") + 1, token);
  }

  /** The write a row holds (its columns selected by name). */
  static QueuedWrite write(ResultSet rows) throws SQLException {
    return new QueuedWrite(
        rows.getString("id"),
        new EdgeRequest(
            rows.getString("method"),
            rows.getString("path"),
            rows.getString("query"),
            QueuedWrite.parseHeaderBlock(rows.getString("headers")),
            rows.getBytes("body")),
        rows.getString("order_key"),
        rows.getString("callback_url"),
        Instant.ofEpochMilli(rows.getLong("accepted_at")));
  }

  /** The status a row holds (the {@link #COLUMNS}). */
  static WriteStatus status(ResultSet rows) throws SQLException {
    byte[] body = rows.getBytes("result_body");
    return new WriteStatus(
        rows.getString("id"),
        WriteState.ofTag(rows.getString("state")),
        rows.getString("method"),
        rows.getString("path"),
        rows.getString("idem_key"),
        Instant.ofEpochMilli(rows.getLong("accepted_at")),
        Instant.ofEpochMilli(rows.getLong("updated_at")),
        rows.getInt("attempts"),
        rows.getInt("result_status"),
        rows.getString("request_id"),
        body == null ? new byte[0] : body,
        rows.getString("reason"),
        rows.getBytes("owner_hash"));
  }

  /** One statement with {@code args} bound in order, in its own transaction; rows changed. */
  int update(String sql, @Nullable Object... args) {
    return transaction(
        () -> {
          try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
              statement.setObject(i + 1, args[i]);
            }
            return statement.executeUpdate();
          }
        });
  }

  @FunctionalInterface
  interface Work<T extends @Nullable Object> {
    T run() throws SQLException;
  }

  <T extends @Nullable Object> T query(Work<T> work) {
    if (closed) {
      throw new IllegalStateException("the write queue is closed");
    }
    try {
      return work.run();
    } catch (SQLException e) {
      throw new IllegalStateException("write queue: " + e.getMessage(), e);
    }
  }

  /** {@code work} in one {@code BEGIN IMMEDIATE} transaction, rolled back when it throws. */
  <T extends @Nullable Object> T transaction(Work<T> work) {
    if (closed) {
      throw new IllegalStateException("the write queue is closed");
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
      try {
        T result = work.run();
        statement.execute("COMMIT");
        return result;
      } catch (SQLException | RuntimeException e) {
        statement.execute("ROLLBACK");
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("write queue: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      connection.close();
    } catch (SQLException e) {
      // Nothing left to do with it.
    }
  }
}
