package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.StripeEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteDatabaseTest {

  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir Path dir;

  private static long count(SqliteDatabase database, String table) {
    return database
        .read(
            connection -> {
              try (Statement statement = connection.createStatement();
                  ResultSet row = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
                row.next();
                return row.getLong(1);
              }
            })
        .join();
  }

  @Test
  void theTierTheLedgerAndTheSecretShareOneDatabase() {
    try (SqliteDatabase database = SqliteDatabase.open(dir.resolve("edge.db"))) {
      byte[] secret = SqliteKeySecret.load(database);
      SqliteTier tier = SqliteTier.open(database, SqliteTierConfig.defaults(), CLOCK);
      SqliteEventLedger ledger = SqliteEventLedger.open(database);

      TierEntry entry =
          new TierEntry(
              "k1",
              "{}".getBytes(StandardCharsets.UTF_8),
              Set.of("cus_1"),
              NOW.toEpochMilli(),
              NOW.toEpochMilli() + 60_000);
      assertThat(tier.put(entry).join()).isTrue();
      assertThat(
              ledger.record(
                  new StripeEvent("evt_1", "customer.updated", 100, "cus_1", null, Set.of("cus_1")),
                  NOW))
          .isEqualTo(EventLedger.Recorded.NEW);

      assertThat(SqliteKeySecret.load(database)).isEqualTo(secret);
      assertThat(tier.get("k1").join()).isNotNull();
      assertThat(count(database, "cache_entries")).isEqualTo(1);
      assertThat(count(database, "processed_events")).isEqualTo(1);

      // Closing its users leaves the database open for the others.
      tier.close();
      assertThat(ledger.contains("evt_1")).isTrue();
      ledger.close();
      assertThat(SqliteKeySecret.load(database)).isEqualTo(secret);
    }
  }

  @Test
  void aTransactionThatThrowsLeavesNothingBehind() {
    try (SqliteDatabase database = SqliteDatabase.open(dir.resolve("edge.db"))) {
      database
          .write(
              connection -> {
                try (Statement statement = connection.createStatement()) {
                  return statement.execute("CREATE TABLE t (v INTEGER)");
                }
              })
          .join();

      assertThatThrownBy(
              () ->
                  database
                      .transaction(
                          connection -> {
                            try (Statement statement = connection.createStatement()) {
                              statement.execute("INSERT INTO t VALUES (1)");
                            }
                            throw new SQLException("boom");
                          })
                      .join())
          .isInstanceOf(CompletionException.class)
          .hasRootCauseMessage("boom");
      database
          .transaction(
              connection -> {
                try (Statement statement = connection.createStatement()) {
                  return statement.executeUpdate("INSERT INTO t VALUES (2)");
                }
              })
          .join();

      assertThat(count(database, "t")).isEqualTo(1);
    }
  }

  @Test
  void aWaitingCallRethrowsTheSqlError() {
    try (SqliteDatabase database = SqliteDatabase.open(dir.resolve("edge.db"))) {
      assertThatThrownBy(
              () ->
                  database.await(
                      connection -> {
                        throw new SQLException("no such table: nothing");
                      },
                      false))
          .isInstanceOf(SQLException.class)
          .hasMessage("no such table: nothing");
    }
  }

  @Test
  void aClosedDatabaseFailsEveryCall() {
    SqliteDatabase database = SqliteDatabase.open(dir.resolve("edge.db"));
    database.close();

    assertThatThrownBy(() -> database.write(connection -> 1).join())
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> database.read(connection -> 1).join()).hasMessageContaining("closed");
  }

  @Test
  void aFileThatIsNotADatabaseIsAClearError() throws Exception {
    Path file = dir.resolve("text.db");
    java.nio.file.Files.writeString(
        file, "this is not sqlite, just text long enough to be read as a header....");

    assertThatThrownBy(() -> SqliteDatabase.open(file).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("text.db");
  }
}
