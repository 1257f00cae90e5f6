package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/** The table the tier creates, the TTL it turns on and writes, and opening without creating. */
class DynamoDbTierSetupIT {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  private final String table = "edge_cache_setup_" + UUID.randomUUID().toString().substring(0, 8);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final DynamoDbAsyncClient raw = DYNAMODB.client();

  @AfterEach
  void closeClient() {
    raw.close();
  }

  private static <T> T await(CompletableFuture<T> future) {
    return future.orTimeout(30, TimeUnit.SECONDS).join();
  }

  @Test
  void openCreatesTheTableWithTtlOnAndEntriesCarryTheirExpiryInEpochSeconds() {
    long now = System.currentTimeMillis();
    TierEntry entry = new TierEntry("setup:k", new byte[] {1}, Set.of("cus_s"), now, now + 90_500);
    try (DynamoDbTier tier =
        DynamoDbLocalExtension.open(DYNAMODB.config(table).build(), registry)) {
      assertThat(await(tier.put(entry))).isTrue();
    }

    var described = await(raw.describeTable(r -> r.tableName(table))).table();
    assertThat(described.keySchema())
        .extracting(KeySchemaElement::attributeName, KeySchemaElement::keyType)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("pk", KeyType.HASH),
            org.assertj.core.groups.Tuple.tuple("sk", KeyType.RANGE));
    TimeToLiveDescription ttl =
        await(raw.describeTimeToLive(r -> r.tableName(table))).timeToLiveDescription();
    assertThat(ttl.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
    assertThat(ttl.attributeName()).isEqualTo("ttl");
    Map<String, AttributeValue> item =
        await(raw.getItem(r -> r.tableName(table).key(Items.entryKey("setup:k")))).item();
    // Rounded up: DynamoDB may delete an item once its TTL is past, never before its expiry.
    assertThat(item.get("ttl").n()).isEqualTo(Long.toString((now + 90_500 + 999) / 1000));
  }

  @Test
  void instancesOpeningAtOnceShareOneNewTable() {
    List<CompletableFuture<DynamoDbTier>> opening =
        List.of(1, 2, 3).stream()
            .map(
                i ->
                    CompletableFuture.supplyAsync(
                        () ->
                            DynamoDbLocalExtension.open(DYNAMODB.config(table).build(), registry)))
            .toList();
    List<DynamoDbTier> tiers = opening.stream().map(DynamoDbTierSetupIT::await).toList();
    try {
      long now = System.currentTimeMillis();
      TierEntry entry = new TierEntry("setup:shared", new byte[] {2}, Set.of(), now, now + 60_000);
      assertThat(await(tiers.get(0).put(entry))).isTrue();
      assertThat(await(tiers.get(2).get("setup:shared"))).isEqualTo(entry);
    } finally {
      tiers.forEach(DynamoDbTier::close);
    }
  }

  @Test
  void theDefaultCredentialsChainIsUsedWhenNoneIsGiven() {
    // The chain's first link: Java system properties. (DynamoDB Local takes letters and digits
    // only as access keys.)
    System.setProperty("aws.accessKeyId", "fromProperties");
    System.setProperty("aws.secretAccessKey", "fromProperties");
    try (DynamoDbTier tier = DynamoDbTier.open(DYNAMODB.config(table).build(), registry)) {
      long now = System.currentTimeMillis();
      TierEntry entry = new TierEntry("setup:chain", new byte[] {3}, Set.of(), now, now + 60_000);

      assertThat(await(tier.put(entry))).isTrue();
      assertThat(await(tier.get("setup:chain"))).isEqualTo(entry);
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  @Test
  void withoutCreateTableOpenSucceedsAndCallsOnAMissingTableFail() {
    DynamoDbTierConfig config = DYNAMODB.config(table).createTable(false).build();
    try (DynamoDbTier tier = DynamoDbLocalExtension.open(config, registry)) {
      assertThat(tier.get("setup:k"))
          .failsWithin(java.time.Duration.ofSeconds(30))
          .withThrowableThat()
          .havingCause()
          .isInstanceOf(ResourceNotFoundException.class);
    }
    assertThat(registry.get("stripe.edge.tier.failures").tag("operation", "get").counter().count())
        .isEqualTo(1);
  }

  @Test
  void aTableExpiringItemsByAnotherAttributeIsRefusedAtOpen() {
    await(
        raw.createTable(
            r ->
                r.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(string("pk"), string("sk"))
                    .keySchema(key("pk", KeyType.HASH), key("sk", KeyType.RANGE))));
    await(
        raw.updateTimeToLive(
            r ->
                r.tableName(table)
                    .timeToLiveSpecification(s -> s.enabled(true).attributeName("expires_at"))));

    assertThatThrownBy(() -> DynamoDbLocalExtension.open(DYNAMODB.config(table).build(), registry))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(table)
        .hasMessageContaining("expires_at");
  }

  private static AttributeDefinition string(String name) {
    return AttributeDefinition.builder()
        .attributeName(name)
        .attributeType(ScalarAttributeType.S)
        .build();
  }

  private static KeySchemaElement key(String name, KeyType type) {
    return KeySchemaElement.builder().attributeName(name).keyType(type).build();
  }
}
