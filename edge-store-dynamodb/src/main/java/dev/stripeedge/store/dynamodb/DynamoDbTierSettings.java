package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.spi.TierBackend;
import java.net.URI;
import java.time.Duration;

/**
 * The DynamoDB tier in configuration ({@code tiers.dynamodb}): shared and durable, expired by
 * DynamoDB's TTL (and on read). Credentials come from AWS's default chain.
 *
 * @param enabled off by default
 * @param table the table holding entries, their id index and invalidation markers
 * @param region the AWS region
 * @param endpoint another endpoint (DynamoDB Local, a VPC endpoint); empty for the region's
 * @param createTable create the table (on demand, TTL on) when missing
 * @param timeout longest wait for a lookup; a slower tier is skipped
 */
public record DynamoDbTierSettings(
    boolean enabled,
    String table,
    String region,
    String endpoint,
    boolean createTable,
    Duration timeout)
    implements TierBackend.Settings {

  public DynamoDbTierSettings {
    if (enabled && table.isBlank()) {
      throw new IllegalArgumentException("tiers.dynamodb.table must not be blank");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("tiers.dynamodb.timeout must be positive: " + timeout);
    }
    endpoint = endpoint.strip();
  }

  /** The tier's own settings. */
  DynamoDbTierConfig clientConfig() {
    return DynamoDbTierConfig.builder(table)
        .region(region)
        .endpoint(endpoint.isEmpty() ? null : URI.create(endpoint))
        .createTable(createTable)
        .build();
  }
}
