package dev.stripeedge.bench.async;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How the accepted writes drained, read from the edge's own record of them: the {@code
 * async_writes} rows in its SQLite file, which every backend keeps (SQLite holds the writes there;
 * SQS and Kafka keep there what the queue cannot hold: state, attempts, result).
 *
 * @param seconds from the burst's start until every accepted write had finished (0: never)
 * @param finished writes finished then (succeeded, failed or dead)
 * @param succeeded of those, succeeded
 * @param deliveries deliveries that reached the pipeline (the attempts of every write)
 * @param retried writes delivered more than once
 * @param steadyRate writes finished per second between 10 % and 90 % of them
 * @param perSecond writes finished in each second from the burst's start
 */
record Drain(
    double seconds,
    long finished,
    long succeeded,
    long deliveries,
    long retried,
    double steadyRate,
    List<Long> perSecond) {

  private static final long LIMIT_SECONDS = 300;

  /** Reads the rows every 50 ms until {@code accepted} writes finished (or 300 s passed). */
  static Drain await(Path store, long accepted, long start) throws SQLException {
    List<long[]> samples = new ArrayList<>();
    long deadline = start + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
    long finished = 0;
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + store)) {
      while (finished < accepted && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        finished = count(connection, "state IN ('succeeded', 'failed', 'dead')");
        samples.add(new long[] {System.nanoTime() - start, finished});
      }
      double seconds = finished >= accepted ? (System.nanoTime() - start) / 1e9 : 0;
      return new Drain(
          seconds,
          finished,
          count(connection, "state = 'succeeded'"),
          sum(connection),
          count(connection, "attempts > 1"),
          steady(samples, accepted),
          perSecond(samples));
    }
  }

  private static double steady(List<long[]> samples, long accepted) {
    long low = accepted / 10;
    long high = accepted * 9 / 10;
    long lowAt = -1;
    long highAt = -1;
    long lowCount = 0;
    long highCount = 0;
    for (long[] sample : samples) {
      if (lowAt < 0 && sample[1] >= low) {
        lowAt = sample[0];
        lowCount = sample[1];
      }
      if (highAt < 0 && sample[1] >= high) {
        highAt = sample[0];
        highCount = sample[1];
      }
    }
    return lowAt < 0 || highAt <= lowAt ? 0 : (highCount - lowCount) / ((highAt - lowAt) / 1e9);
  }

  private static List<Long> perSecond(List<long[]> samples) {
    List<Long> seconds = new ArrayList<>();
    long previous = 0;
    int second = 1;
    long last = 0;
    for (long[] sample : samples) {
      while (sample[0] >= second * 1_000_000_000L) {
        seconds.add(last - previous);
        previous = last;
        second++;
      }
      last = sample[1];
    }
    seconds.add(last - previous);
    return List.copyOf(seconds);
  }

  private static long count(Connection connection, String where) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery("SELECT COUNT(*) FROM async_writes WHERE " + where)) {
      return row.next() ? row.getLong(1) : 0;
    }
  }

  private static long sum(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT SUM(attempts) FROM async_writes")) {
      return row.next() ? row.getLong(1) : 0;
    }
  }
}
