package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.budget.SharedBudget;
import dev.stripeedge.core.budget.SharedBudget.Grant;
import dev.stripeedge.core.spi.SharedBudgetBackend;
import dev.stripeedge.testkit.FakeTime;
import dev.stripeedge.testkit.SharedBudgetContract;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared budget's contract against DynamoDB Local (conditional writes and an atomic counter),
 * its buckets refilled by the test's fake time; and what it costs: one write per grant, none for a
 * bucket this edge knows to be empty.
 */
class DynamoDbSharedBudgetIT extends SharedBudgetContract {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  // Each test its own prefix: the live edges are one item per prefix.
  private final String prefix = "se-" + UUID.randomUUID().toString().substring(0, 8) + ":";

  /**
   * The fake time, moved ten years on: the budget writes DynamoDB TTL attributes from its clock,
   * and DynamoDB Local deletes items whose TTL lies behind the real time. At the fake time's own
   * start (January 2026) the live-edges item could vanish between two announcements.
   */
  private static final long AHEAD_NANOS = Duration.ofDays(3_650).toNanos();

  @Override
  protected SharedBudget connect(FakeTime time) {
    return DynamoDbSharedBudget.open(
        DYNAMODB.config("stripe-edge-budget-it").build(),
        DynamoDbLocalExtension.CREDENTIALS,
        prefix,
        () -> time.epochMicros() * 1000 + AHEAD_NANOS);
  }

  @Override
  protected void close(SharedBudget budget) {
    ((DynamoDbSharedBudget) budget).close();
  }

  @Test
  void theBackendIsFoundByItsConfigurationName() {
    assertThat(ServiceLoader.load(SharedBudgetBackend.class).stream())
        .anySatisfy(
            provider -> {
              assertThat(provider.get().name()).isEqualTo("dynamodb");
              assertThat(provider.type()).isEqualTo(DynamoDbBudgetBackend.class);
            });
  }

  @Test
  void eachGrantCostsOneWriteAndAKnownEmptyBucketNone() throws Exception {
    try (DynamoDbSharedBudget budget = (DynamoDbSharedBudget) connect(time())) {
      String key = bucket("global");
      int granted = 0;
      for (int i = 0; i < 20; i++) {
        // Capacity 5, refilled once in 1000 s: the fake time stands still.
        granted += lease(budget, key, 1).tokens();
      }
      assertThat(granted).isEqualTo(5);
      assertThat(budget.requests()).as("5 grants, 15 refusals known in advance").isEqualTo(5);
    }
  }

  @Test
  void anotherEdgesGrantsCostAtMostOneMoreWriteEach() throws Exception {
    try (DynamoDbSharedBudget a = (DynamoDbSharedBudget) connect(time());
        DynamoDbSharedBudget b = (DynamoDbSharedBudget) connect(time())) {
      String key = bucket("global");
      int granted = 0;
      for (int i = 0; i < 10; i++) {
        granted += lease(a, key, 1).tokens();
        granted += lease(b, key, 1).tokens();
      }
      assertThat(granted).isEqualTo(5);
      // 5 grants, and 2 refused writes: b's first finds the bucket no longer full (a took from
      // it), b's last finds it empty (a took the last token). Each learns of the other's grants
      // from its own refused write, which returns the bucket: never a read.
      assertThat(a.requests() + b.requests()).isEqualTo(7);
    }
  }

  private static Grant lease(SharedBudget budget, String key, int want) throws Exception {
    return budget.lease(key, 0.001, 5, want).get(10, TimeUnit.SECONDS);
  }

  @Test
  void aSilentEdgeLeavesTheCountAfterItsDeadline() throws Exception {
    SharedBudget a = connect(time());
    SharedBudget b = connect(time());
    try {
      assertThat(a.announce(Duration.ofSeconds(3)).get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(b.announce(Duration.ofSeconds(3)).get(10, TimeUnit.SECONDS)).isEqualTo(2);
      time().advance(Duration.ofSeconds(2));
      assertThat(a.announce(Duration.ofSeconds(3)).get(10, TimeUnit.SECONDS)).isEqualTo(2);
      time().advance(Duration.ofSeconds(2));
      assertThat(a.announce(Duration.ofSeconds(3)).get(10, TimeUnit.SECONDS))
          .as("b silent for 4 s of a 3 s deadline")
          .isEqualTo(1);
      assertThat(a.announce(Duration.ofSeconds(3)).get(10, TimeUnit.SECONDS)).isEqualTo(1);
    } finally {
      close(a);
      close(b);
    }
  }
}
