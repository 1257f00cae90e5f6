package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.WebhookOutbox.Delivery;
import dev.stripeedge.core.webhooks.WebhookOutboxContract;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox contract on a SQLite file, and what a reopened file still holds. */
class SqliteWebhookOutboxTest extends WebhookOutboxContract {

  private static final AtomicInteger FILES = new AtomicInteger();

  @TempDir Path dir;

  @Override
  protected EventStore create() {
    return SqliteEventLedger.open(dir.resolve("outbox-" + FILES.incrementAndGet() + ".db"));
  }

  @Test
  void aDeadDeliverySurvivesAReopen() {
    Path file = dir.resolve("c.db");
    try (SqliteEventLedger first = SqliteEventLedger.open(file)) {
      first.record(event("evt_1", "cus_1", 1), NOW, json("evt_1"), APP);
      first.dead(first.due(NOW, 1).get(0).id(), 3, "timeout");
    }
    try (SqliteEventLedger second = SqliteEventLedger.open(file)) {
      assertThat(second.deadLetters()).extracting(Delivery::eventId).containsExactly("evt_1");
      assertThat(second.replay("evt_1", NOW)).isEqualTo(1);
      assertThat(second.due(NOW, 10))
          .singleElement()
          .satisfies(d -> assertThat(d.payload()).isEqualTo(json("evt_1")));
    }
  }
}
