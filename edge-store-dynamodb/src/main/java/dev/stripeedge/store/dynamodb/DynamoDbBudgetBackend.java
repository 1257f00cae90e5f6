package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.budget.SharedBudget;
import dev.stripeedge.core.budget.SharedBudgetConfig;
import dev.stripeedge.core.spi.SharedBudgetBackend;
import dev.stripeedge.core.spi.StoreContext;
import java.time.Clock;
import java.time.Instant;

/** {@code budget.shared.dynamodb}, registered with {@link java.util.ServiceLoader}. */
public final class DynamoDbBudgetBackend implements SharedBudgetBackend<DynamoDbBudgetSettings> {

  @Override
  public String name() {
    return "dynamodb";
  }

  @Override
  public Class<DynamoDbBudgetSettings> settingsType() {
    return DynamoDbBudgetSettings.class;
  }

  @Override
  public DynamoDbBudgetSettings defaults() {
    return DynamoDbBudgetSettings.defaults();
  }

  @Override
  public boolean enabled(DynamoDbBudgetSettings settings) {
    return settings.enabled();
  }

  @Override
  public SharedBudgetConfig config(DynamoDbBudgetSettings settings) {
    return settings.leases();
  }

  @Override
  public SharedBudget connect(DynamoDbBudgetSettings settings, StoreContext context) {
    Clock clock = context.clock();
    return DynamoDbSharedBudget.open(
        settings.clientConfig(),
        null,
        settings.keyPrefix(),
        () -> {
          Instant now = clock.instant();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        });
  }
}
