package dev.stripeedge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.store.sqlite.SqliteEventLedger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness's view of the durable store: two failed heartbeats in a row, cleared by one good. */
class StoreHealthTest {

  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_000), ZoneOffset.UTC);

  private boolean failing;

  @Test
  void twoFailedHeartbeatsInARowTripItAndOneGoodClearsIt() {
    StoreHealth health =
        new StoreHealth(
            now -> {
              if (failing) {
                throw new IllegalStateException("sqlite: cannot write (disk I/O error)");
              }
            },
            CLOCK,
            2);

    health.beat();
    assertThat(health.problem()).isNull();
    failing = true;
    health.beat();
    assertThat(health.problem()).as("one slow or failed write is not an outage").isNull();
    health.beat();
    assertThat(health.problem())
        .isEqualTo(
            "the store cannot write: the last 2 heartbeats failed"
                + " (sqlite: cannot write (disk I/O error))");
    failing = false;
    health.beat();
    assertThat(health.problem()).isNull();
  }

  @Test
  void theSqliteLedgersHeartbeatIsARealWriteThatFailsOnceTheStoreIsGone(@TempDir Path dir) {
    SqliteEventLedger ledger = SqliteEventLedger.open(dir.resolve("edge.db"));
    StoreHealth health = new StoreHealth(ledger::heartbeat, CLOCK, 2);

    health.beat();
    health.beat();
    assertThat(health.problem()).isNull();
    ledger.close();
    health.beat();
    health.beat();

    assertThat(health.problem()).startsWith("the store cannot write: the last 2 heartbeats failed");
  }
}
