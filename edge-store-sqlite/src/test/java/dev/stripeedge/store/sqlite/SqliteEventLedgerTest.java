package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import dev.stripeedge.core.webhooks.EventLedgerContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
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
