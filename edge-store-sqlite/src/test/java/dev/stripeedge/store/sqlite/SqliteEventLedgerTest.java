package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import dev.stripeedge.core.webhooks.EventLedgerContract;
import dev.stripeedge.core.webhooks.StripeEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteEventLedgerTest extends EventLedgerContract {

  private static final AtomicInteger FILES = new AtomicInteger();

  @TempDir Path dir;

  @Override
  protected EventLedger create() {
    return SqliteEventLedger.open(dir.resolve("ledger-" + FILES.incrementAndGet() + ".db"));
  }

  @Test
  void aReopenedFileStillKnowsProcessedEventsAndTheCursor() {
    Path file = dir.resolve("restart.db");
    try (EventLedger first = SqliteEventLedger.open(file)) {
      first.record(event("evt_1", "cus_1", "customer.updated", 100), NOW);
      first.advance("evt_1");
    }

    try (EventLedger second = SqliteEventLedger.open(file)) {
      assertThat(second.contains("evt_1")).isTrue();
      assertThat(second.cursor()).isEqualTo("evt_1");
      assertThat(second.record(event("evt_1", "cus_1", "customer.updated", 100), NOW))
          .isEqualTo(Recorded.DUPLICATE_EVENT);
      assertThat(second.record(event("evt_2", "cus_1", "customer.updated", 100), NOW))
          .isEqualTo(Recorded.DUPLICATE_CHANGE);
    }
  }

  @Test
  void aReopenedFileStillKnowsWhatWasNotApplied() {
    Path file = dir.resolve("journal.db");
    try (EventLedger first = SqliteEventLedger.open(file)) {
      first.record(
          new StripeEvent("evt_1", "invoice.paid", 100, "in_1", null, Set.of("in_1", "cus_1")),
          NOW);
      first.record(event("evt_2", "cus_2", "customer.updated", 100), NOW);
      first.markApplied(List.of("evt_2"));
    }

    try (EventLedger second = SqliteEventLedger.open(file)) {
      assertThat(second.unapplied(NOW.plusSeconds(1), 10))
          .containsExactly(new EventLedger.Unapplied("evt_1", Set.of("in_1", "cus_1"), NOW));
    }
  }

  @Test
  void aFileFromBeforeTheJournalIsMigratedAndItsEventsCountAsApplied() throws Exception {
    Path file = dir.resolve("old.db");
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement()) {
      // The schema as the first release created it, with one processed event.
      statement.execute(
          "CREATE TABLE processed_events (event_id TEXT PRIMARY KEY, object_id TEXT,"
              + " type TEXT NOT NULL, created INTEGER NOT NULL, received_at INTEGER NOT NULL)");
      statement.execute(
          "CREATE UNIQUE INDEX processed_events_change"
              + " ON processed_events (object_id, type, created)");
      statement.execute(
          "INSERT INTO processed_events VALUES ('evt_old', 'cus_1', 'customer.updated', 100, "
              + NOW.toEpochMilli()
              + ")");
    }

    try (EventLedger ledger = SqliteEventLedger.open(file)) {
      assertThat(ledger.contains("evt_old")).isTrue();
      assertThat(ledger.record(event("evt_old", "cus_1", "customer.updated", 100), NOW))
          .isEqualTo(Recorded.DUPLICATE_EVENT);
      assertThat(ledger.unapplied(NOW.plusSeconds(60), 10)).isEmpty();

      assertThat(ledger.record(event("evt_new", "cus_2", "customer.updated", 100), NOW))
          .isEqualTo(Recorded.NEW);
      assertThat(ledger.unapplied(NOW.plusSeconds(60), 10))
          .extracting(EventLedger.Unapplied::eventId)
          .containsExactly("evt_new");
    }
    // Opening again finds the columns there and changes nothing.
    try (EventLedger again = SqliteEventLedger.open(file)) {
      assertThat(again.unapplied(NOW.plusSeconds(60), 10)).hasSize(1);
    }
  }

  @Test
  void theFileIsInWalModeAndHoldsTheRecordedColumns() throws Exception {
    Path file = dir.resolve("nested/dir/wal.db");
    try (EventLedger ledger = SqliteEventLedger.open(file)) {
      ledger.record(event("evt_1", "cus_1", "customer.updated", 100), NOW);
    }

    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        ResultSet mode = connection.createStatement().executeQuery("PRAGMA journal_mode");
        ResultSet row =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT event_id, object_id, type, created, received_at FROM processed_events")) {
      assertThat(mode.getString(1)).isEqualTo("wal");
      assertThat(row.next()).isTrue();
      assertThat(row.getString("object_id")).isEqualTo("cus_1");
      assertThat(row.getLong("created")).isEqualTo(100);
      assertThat(row.getLong("received_at")).isEqualTo(NOW.toEpochMilli());
    }
  }

  @Test
  void aFileThatIsNotADatabaseIsAClearError() throws Exception {
    Path file = dir.resolve("not-a-db.db");
    Files.writeString(file, "this is not sqlite, just text long enough to be read as a header....");

    assertThatThrownBy(
            () -> {
              try (EventLedger ledger = SqliteEventLedger.open(file)) {
                ledger.cursor();
              }
            })
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not-a-db.db");
  }
}
