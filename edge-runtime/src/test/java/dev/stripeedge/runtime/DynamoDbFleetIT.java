package dev.stripeedge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.store.dynamodb.DynamoDbLocal;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Two edges sharing one DynamoDB event store: each event applied once, one reconciler. */
class DynamoDbFleetIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static DynamoDbLocal dynamodb;

  @TempDir Path dir;

  @BeforeAll
  static void startDynamoDb() throws Exception {
    dynamodb = DynamoDbLocal.inMemory();
    // The backend signs with AWS's default chain; DynamoDB Local accepts any key.
    System.setProperty("aws.accessKeyId", "local");
    System.setProperty("aws.secretAccessKey", "local");
  }

  @AfterAll
  static void stopDynamoDb() throws Exception {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    dynamodb.close();
  }

  private EdgeSettings edge(String name, String table, Map<String, Object> more) {
    Map<String, Object> values = new HashMap<>(more);
    values.put("upstream", sim.baseUrl());
    values.put("store.path", dir.resolve(name + ".db").toString());
    values.put("store.backend", "dynamodb");
    values.put("store.dynamodb.table", table);
    values.put("store.dynamodb.endpoint", dynamodb.endpoint().toString());
    values.put("store.dynamodb.createTable", true);
    values.put("store.dynamodb.timeout", "10s");
    values.put("webhooks.secrets", List.of("whsec_fleet"));
    return EdgeSettings.defaults().with(values);
  }

  @Test
  void anEventDeliveredToBothEdgesIsAppliedOnce() {
    try (EdgeRuntime a = EdgeRuntime.start(edge("a", "fleet_once", Map.of()), meters());
        EdgeRuntime b = EdgeRuntime.start(edge("b", "fleet_once", Map.of()), meters())) {
      StripeEvent event =
          new StripeEvent("evt_fleet_1", "customer.updated", 1, "cus_1", null, Set.of("cus_1"));
      byte[] payload = "{\"id\":\"evt_fleet_1\"}".getBytes(StandardCharsets.UTF_8);

      assertThat(a.eventProcessor().process(event, payload, "webhook")).isEqualTo(Recorded.NEW);
      assertThat(b.eventProcessor().process(event, payload, "webhook"))
          .isEqualTo(Recorded.DUPLICATE_EVENT);
    }
  }

  @Test
  void oneEdgeReconcilesAndAnotherTakesOverWhenItDies() throws Exception {
    Map<String, Object> reconcile =
        Map.of("reconcile.apiKey", "sk_test_fleet_dynamo", "reconcile.period", "1s");
    EdgeRuntime a = EdgeRuntime.start(edge("a", "fleet_lead", reconcile), meters());
    try (EdgeRuntime b = EdgeRuntime.start(edge("b", "fleet_lead", reconcile), meters())) {
      await(() -> a.leading(EventStore.RECONCILER), Duration.ofSeconds(10));
      Thread.sleep(1_500);
      assertThat(b.leading(EventStore.RECONCILER)).isFalse();

      a.close(); // dies holding its lease
      await(() -> b.leading(EventStore.RECONCILER), Duration.ofSeconds(8));
      assertThat(b.ledger().cursor()).isNotNull();
    } finally {
      a.close();
    }
  }

  private static SimpleMeterRegistry meters() {
    return new SimpleMeterRegistry();
  }

  private static void await(java.util.function.BooleanSupplier condition, Duration atMost)
      throws Exception {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + atMost);
      }
      Thread.sleep(50);
    }
  }
}
