package dev.stripeedge.store.sqlite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConfig;

/**
 * The edge's SQLite file, opened once and shared by everything kept in it (the cache tier, the
 * event ledger and webhook outbox, the cache-key secret): one writer connection on its own thread,
 * a small pool of reader connections, and the pragmas every user relies on.
 *
 * <p>Pragmas: WAL (readers never wait for the writer), {@code synchronous=FULL} (a committed event
 * or invalidation survives a power cut: "recorded" means on disk before the edge answers), a 5 s
 * busy timeout (other processes may open the file too), and {@code BEGIN IMMEDIATE} transactions (a
 * transaction takes the write lock when it begins, so its checks and writes see one state even when
 * another process writes meanwhile).
 *
 * <p>Thread-safe. Writes run one at a time on the writer thread, in submission order; reads on the
 * pool, one connection per reader thread. A closed database fails every call with an {@link
 * IllegalStateException}. Whoever opens it closes it; its users do not.
 */
public final class SqliteDatabase implements AutoCloseable {

  private static final System.Logger log = System.getLogger(SqliteDatabase.class.getName());

  /** Work on a connection; SQL errors propagate to the caller. */
  @FunctionalInterface
  public interface Work<T extends @Nullable Object> {
    T run(Connection connection) throws SQLException;
  }

  private final Path file;
  private final Connection writeConnection;
  private final List<Connection> readConnections = new ArrayList<>();
  private final BlockingQueue<Connection> idleReaders;
  private final ScheduledExecutorService writer;
  private final ExecutorService readers;
  private volatile boolean closed;
  private volatile @Nullable Thread writerThread;

  private SqliteDatabase(Path file, int readers) throws SQLException {
    this.file = file;
    SQLiteConfig settings = new SQLiteConfig();
    settings.setJournalMode(SQLiteConfig.JournalMode.WAL);
    settings.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    settings.setBusyTimeout(5_000);
    settings.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    String url = "jdbc:sqlite:" + file;
    this.writeConnection = DriverManager.getConnection(url, settings.toProperties());
    this.idleReaders = new ArrayBlockingQueue<>(Math.max(1, readers));
    try {
      for (int i = 0; i < readers; i++) {
        Connection reader = DriverManager.getConnection(url, settings.toProperties());
        readConnections.add(reader);
        idleReaders.add(reader);
      }
    } catch (SQLException e) {
      closeConnections();
      throw e;
    }
    this.writer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = daemon("sqlite-writer").newThread(task);
              writerThread = thread;
              return thread;
            });
    this.readers = Executors.newFixedThreadPool(Math.max(1, readers), daemon("sqlite-reader"));
  }

  /**
   * Opens (creating it and its directory when missing) the database in {@code file} with {@code
   * readers} reader connections (0 to 16; 0 when only the writer is used).
   *
   * @throws IllegalStateException the file cannot be opened or is not a SQLite database
   */
  public static SqliteDatabase open(Path file, int readers) {
    if (readers < 0 || readers > 16) {
      throw new IllegalArgumentException("readers must be 0..16: " + readers);
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      return new SqliteDatabase(file, readers);
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(
          "cannot open the SQLite database " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@link #open(Path, int)} with two readers. */
  public static SqliteDatabase open(Path file) {
    return open(file, 2);
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /** Runs {@code work} on the writer, each statement its own transaction (autocommit). */
  public <T extends @Nullable Object> CompletableFuture<T> write(Work<T> work) {
    return submit(work, false);
  }

  /**
   * Runs {@code work} on the writer in one {@code BEGIN IMMEDIATE} transaction: committed when it
   * returns, rolled back when it throws.
   */
  public <T extends @Nullable Object> CompletableFuture<T> transaction(Work<T> work) {
    return submit(work, true);
  }

  /**
   * {@link #write} or {@link #transaction}, waiting for the result: for callers that block on disk
   * I/O anyway. On the writer thread itself it runs at once.
   *
   * @throws SQLException what {@code work} threw
   */
  public <T extends @Nullable Object> T await(Work<T> work, boolean transaction)
      throws SQLException {
    if (Thread.currentThread() == writerThread) {
      return transaction ? inTransaction(work) : work.run(writeConnection);
    }
    try {
      return submit(work, transaction).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for SQLite " + file, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SQLException sql) {
        throw sql;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("SQLite " + file + ": " + e.getCause(), e.getCause());
    }
  }

  /** Runs {@code work} on a reader connection of the pool. */
  public <T extends @Nullable Object> CompletableFuture<T> read(Work<T> work) {
    if (closed) {
      return closedFailure();
    }
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            Connection connection = idleReaders.poll();
            if (connection == null) {
              throw new IllegalStateException("SQLite " + file + ": no idle reader");
            }
            try {
              return work.run(connection);
            } catch (SQLException e) {
              throw new CompletionException(e);
            } finally {
              idleReaders.add(connection);
            }
          },
          readers);
    } catch (RejectedExecutionException e) {
      return closedFailure();
    }
  }

  /**
   * Runs {@code task} on the writer every {@code every}, first after one period, until the returned
   * future is cancelled or the database closes. {@code task} must not throw.
   */
  Future<?> every(Duration every, Consumer<Connection> task) {
    long millis = every.toMillis();
    return writer.scheduleWithFixedDelay(
        () -> task.accept(writeConnection), millis, millis, TimeUnit.MILLISECONDS);
  }

  private <T extends @Nullable Object> CompletableFuture<T> submit(
      Work<T> work, boolean transaction) {
    if (closed) {
      return closedFailure();
    }
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            try {
              return transaction ? inTransaction(work) : work.run(writeConnection);
            } catch (SQLException e) {
              throw new CompletionException(e);
            }
          },
          writer);
    } catch (RejectedExecutionException e) {
      return closedFailure();
    }
  }

  private <T extends @Nullable Object> T inTransaction(Work<T> work) throws SQLException {
    return inTransaction(writeConnection, work);
  }

  /**
   * Runs {@code work} on {@code connection} (the writer's, on the writer thread) in one {@code
   * BEGIN IMMEDIATE} transaction: committed when it returns, rolled back when it throws.
   */
  static <T extends @Nullable Object> T inTransaction(Connection connection, Work<T> work)
      throws SQLException {
    connection.setAutoCommit(false);
    try {
      T result = work.run(connection);
      connection.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        connection.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  private <T extends @Nullable Object> CompletableFuture<T> closedFailure() {
    return CompletableFuture.failedFuture(
        new IllegalStateException("the SQLite database " + file + " is closed"));
  }

  /** Lets queued writes finish (up to 10 s), then closes every connection. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    writer.shutdown();
    readers.shutdown();
    try {
      writer.awaitTermination(10, TimeUnit.SECONDS);
      readers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeConnections();
  }

  private void closeConnections() {
    List<Connection> all = new ArrayList<>(readConnections);
    all.add(writeConnection);
    for (Connection connection : all) {
      try {
        connection.close();
      } catch (SQLException e) {
        log.log(System.Logger.Level.WARNING, "SQLite " + file + ": close failed", e);
      }
    }
  }

  private static ThreadFactory daemon(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public String toString() {
    return "SqliteDatabase[" + file + "]";
  }
}
