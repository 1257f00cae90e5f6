package dev.stripeedge.store.dynamodb;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbAsyncWaiter;

/**
 * Creates the tier's table when it is missing (on-demand capacity, {@code pk}/{@code sk} string
 * keys) and turns on DynamoDB's TTL on {@link Items#TTL}. Safe to run from several instances at
 * once: a table another instance is creating is waited for.
 */
final class TableSetup {

  /**
   * Each setup call's own time limit: the client's {@code apiCallTimeout} (1 s by default) is for
   * the hot path, and a cold JVM on a small Lambda function missed it creating the table, failing
   * the runtime's start. Setting up happens once per process.
   */
  private static final Consumer<AwsRequestOverrideConfiguration.Builder> SETUP_CALL =
      o -> o.apiCallTimeout(Duration.ofSeconds(20)).apiCallAttemptTimeout(Duration.ofSeconds(10));

  private TableSetup() {}

  static CompletableFuture<Void> ensure(DynamoDbAsyncClient client, String table) {
    return client
        .describeTable(r -> r.tableName(table).overrideConfiguration(SETUP_CALL))
        .<Void>thenApply(described -> null)
        .exceptionallyCompose(
            failure ->
                cause(failure) instanceof ResourceNotFoundException
                    ? create(client, table)
                    : CompletableFuture.failedFuture(cause(failure)))
        .thenCompose(created -> awaitActive(client, table))
        .thenCompose(active -> enableTtl(client, table));
  }

  private static CompletableFuture<Void> create(DynamoDbAsyncClient client, String table) {
    return client
        .createTable(
            r ->
                r.tableName(table)
                    .overrideConfiguration(SETUP_CALL)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(attribute(Items.PK), attribute(Items.SK))
                    .keySchema(
                        KeySchemaElement.builder()
                            .attributeName(Items.PK)
                            .keyType(KeyType.HASH)
                            .build(),
                        KeySchemaElement.builder()
                            .attributeName(Items.SK)
                            .keyType(KeyType.RANGE)
                            .build()))
        .<Void>thenApply(created -> null)
        .exceptionallyCompose(
            failure ->
                // Another instance created it first.
                cause(failure) instanceof ResourceInUseException
                    ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.failedFuture(cause(failure)));
  }

  private static AttributeDefinition attribute(String name) {
    return AttributeDefinition.builder()
        .attributeName(name)
        .attributeType(ScalarAttributeType.S)
        .build();
  }

  private static CompletableFuture<Void> awaitActive(DynamoDbAsyncClient client, String table) {
    DynamoDbAsyncWaiter waiter = client.waiter();
    return waiter
        .waitUntilTableExists(r -> r.tableName(table).overrideConfiguration(SETUP_CALL))
        .<Void>thenApply(
            response -> {
              if (response.matched().exception().isPresent()) {
                throw new CompletionException(response.matched().exception().get());
              }
              return null;
            })
        .whenComplete((done, failure) -> waiter.close());
  }

  private static CompletableFuture<Void> enableTtl(DynamoDbAsyncClient client, String table) {
    return ttlEnabled(client, table)
        .thenCompose(
            enabled -> {
              if (enabled) {
                return CompletableFuture.completedFuture(null);
              }
              return client
                  .updateTimeToLive(
                      r ->
                          r.tableName(table)
                              .overrideConfiguration(SETUP_CALL)
                              .timeToLiveSpecification(
                                  s -> s.enabled(true).attributeName(Items.TTL)))
                  .<Void>thenApply(updated -> null)
                  .exceptionallyCompose(
                      // Another instance opening at the same moment enabled it first: DynamoDB
                      // refuses the second update ("TimeToLive is already enabled").
                      failure ->
                          ttlEnabled(client, table)
                              .thenCompose(
                                  now ->
                                      now
                                          ? CompletableFuture.completedFuture(null)
                                          : CompletableFuture.failedFuture(cause(failure))));
            });
  }

  /**
   * Whether TTL is on (or being turned on) for {@link Items#TTL}.
   *
   * @throws IllegalStateException (in the future) if it is on for another attribute
   */
  private static CompletableFuture<Boolean> ttlEnabled(DynamoDbAsyncClient client, String table) {
    return client
        .describeTimeToLive(r -> r.tableName(table).overrideConfiguration(SETUP_CALL))
        .thenApply(
            described -> {
              TimeToLiveDescription ttl = described.timeToLiveDescription();
              TimeToLiveStatus status = ttl == null ? null : ttl.timeToLiveStatus();
              if (status != TimeToLiveStatus.ENABLED && status != TimeToLiveStatus.ENABLING) {
                return false;
              }
              if (!Items.TTL.equals(ttl.attributeName())) {
                throw new IllegalStateException(
                    "table "
                        + table
                        + " expires items by attribute "
                        + ttl.attributeName()
                        + ", the tier needs "
                        + Items.TTL);
              }
              return true;
            });
  }

  /** The failure itself, out of the CompletionException the SDK's futures wrap it in. */
  static Throwable cause(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
