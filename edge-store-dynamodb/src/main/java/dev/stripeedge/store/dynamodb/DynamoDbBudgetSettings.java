package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.budget.SharedBudgetConfig;
import java.net.URI;
import java.time.Duration;

/**
 * The budget shared through DynamoDB ({@code budget.shared.dynamodb}): each account's global and
 * per-endpoint rates hold for every edge together, for functions that have DynamoDB and no Redis.
 * One conditional write per lease of a few tokens ({@link DynamoDbSharedBudget}); while DynamoDB
 * fails or is slow, each edge spends the rates divided by the edges last seen alive. Edges sharing
 * a budget need the same {@code cacheKeySecret}. Credentials come from AWS's default chain.
 *
 * @param enabled off by default
 * @param table the table (string keys {@code pk}/{@code sk}: its own, or the tier's or event
 *     store's, whose items it never touches)
 * @param region the AWS region
 * @param endpoint another endpoint (DynamoDB Local, a VPC endpoint); empty for the region's
 * @param createTable create the table (on demand, TTL on) when missing
 * @param keyPrefix put before every item's key: budgets apart on one table
 * @param timeout the client's limit for one call, retries included (the shaper gives up sooner,
 *     after {@code leases.timeout}, and spends its local share meanwhile)
 * @param leases how tokens are leased: batch size, lifetime, heartbeat (each heartbeat is one
 *     write: 5 s by default, not Redis's 1 s, as DynamoDB bills each)
 */
public record DynamoDbBudgetSettings(
    boolean enabled,
    String table,
    String region,
    String endpoint,
    boolean createTable,
    String keyPrefix,
    Duration timeout,
    SharedBudgetConfig leases) {

  public DynamoDbBudgetSettings {
    if (enabled && table.isBlank()) {
      throw new IllegalArgumentException("budget.shared.dynamodb.table must not be blank");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "budget.shared.dynamodb.timeout must be positive: " + timeout);
    }
    endpoint = endpoint.strip();
  }

  static DynamoDbBudgetSettings defaults() {
    return new DynamoDbBudgetSettings(
        false,
        "stripe-edge-budget",
        "us-east-1",
        "",
        false,
        "",
        Duration.ofSeconds(1),
        SharedBudgetConfig.defaults().withHeartbeat(Duration.ofSeconds(5)));
  }

  /** The client's settings. */
  DynamoDbTierConfig clientConfig() {
    return DynamoDbTierConfig.builder(table)
        .region(region)
        .endpoint(endpoint.isEmpty() ? null : URI.create(endpoint))
        .createTable(createTable)
        .timeouts(timeout, timeout)
        .build();
  }
}
