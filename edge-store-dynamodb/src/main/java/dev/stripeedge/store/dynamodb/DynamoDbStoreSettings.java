package dev.stripeedge.store.dynamodb;

import java.net.URI;
import java.time.Duration;

/**
 * The DynamoDB event store in configuration ({@code store.dynamodb}, used when {@code
 * store.backend: dynamodb}): the webhook ledger, cursor and outbox every edge on this table shares.
 * Credentials come from AWS's default chain.
 *
 * @param table the table (its own, not the cache tier's)
 * @param region the AWS region
 * @param endpoint another endpoint (DynamoDB Local, a VPC endpoint); empty for the region's
 * @param createTable create the table (on demand, TTL on) when missing
 * @param timeout longest wait for one call, retries included
 * @param retention how long events (the dedupe window) are kept, by DynamoDB's TTL
 */
public record DynamoDbStoreSettings(
    String table,
    String region,
    String endpoint,
    boolean createTable,
    Duration timeout,
    Duration retention) {

  public DynamoDbStoreSettings {
    if (table.isBlank()) {
      throw new IllegalArgumentException("store.dynamodb.table must not be blank");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("store.dynamodb.timeout must be positive: " + timeout);
    }
    if (retention.compareTo(Duration.ofHours(1)) < 0) {
      throw new IllegalArgumentException(
          "store.dynamodb.retention must be 1h or more: " + retention);
    }
    endpoint = endpoint.strip();
  }

  static DynamoDbStoreSettings defaults() {
    return new DynamoDbStoreSettings(
        "stripe-edge-events", "us-east-1", "", false, Duration.ofSeconds(2), Duration.ofDays(7));
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
