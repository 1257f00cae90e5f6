package dev.stripeedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.store.sqlite.SqliteEventLedger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhooksCommandTest {

  @TempDir Path dir;

  @Test
  void replayPutsADeadDeliveryBackToPendingInTheStore() throws Exception {
    Path db = dir.resolve("edge.db");
    Instant now = Instant.now();
    try (SqliteEventLedger store = SqliteEventLedger.open(db)) {
      store.record(
          new StripeEvent("evt_1", "customer.updated", 1, "cus_1", null, Set.of("cus_1")),
          now,
          "{}".getBytes(StandardCharsets.UTF_8),
          List.of("http://127.0.0.1:1/hook"));
      store.dead(store.due(now, 1).get(0).id(), 8, "HTTP 500");
    }
    Path config = dir.resolve("edge.yaml");
    Files.writeString(config, "store:\n  path: " + db + "\n");

    assertThat(StripeEdgeCli.run("webhooks", "replay", "evt_1", "--config", config.toString()))
        .isZero();

    try (SqliteEventLedger store = SqliteEventLedger.open(db)) {
      assertThat(store.deadLetters()).isEmpty();
      assertThat(store.due(Instant.now(), 10)).hasSize(1);
    }
  }

  @Test
  void replayNeedsEitherAllOrAnEventId() {
    assertThat(StripeEdgeCli.run("webhooks", "replay")).isEqualTo(2);
  }
}
