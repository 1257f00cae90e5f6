package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
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
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/** What DynamoDB's limits make of puts and reads: item size, transaction size, batch size. */
class DynamoDbTierLimitsIT {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<DynamoDbTier> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(DynamoDbTier::close);
  }

  private DynamoDbTier tier(DynamoDbTierConfig.Builder config) {
    DynamoDbTier tier = DynamoDbLocalExtension.open(config.build(), registry);
    opened.add(tier);
    return tier;
  }

  private DynamoDbTier tier() {
    return tier(DYNAMODB.config("edge_cache_limits"));
  }

  private TierEntry entry(String name, byte[] value, Set<String> ids) {
    long now = System.currentTimeMillis();
    return new TierEntry("limits:" + run + ":" + name, value, ids, now, now + 60_000);
  }

  private double puts(String outcome) {
    var counter =
        registry.find("stripe.edge.tier.puts").tag("outcome", outcome).tag("tier", "dynamodb");
    return counter.counter() == null ? 0 : counter.counter().count();
  }

  private static <T> T await(CompletableFuture<T> future) {
    return future.orTimeout(60, TimeUnit.SECONDS).join();
  }

  @Test
  void aValueOverTheConfiguredLimitIsRefusedAndCounted() {
    DynamoDbTier tier = tier(DYNAMODB.config("edge_cache_limits").maxValueBytes(1_000));
    TierEntry fits = entry("fits", new byte[1_000], Set.of("cus_" + run));
    TierEntry over = entry("over", new byte[1_001], Set.of("cus_" + run));

    assertThat(await(tier.put(fits))).isTrue();
    assertThat(await(tier.put(over))).isFalse();

    assertThat(await(tier.get(over.key()))).isNull();
    assertThat(puts("too_large")).isEqualTo(1);
    assertThat(puts("stored")).isEqualTo(1);
  }

  @Test
  void aValueJustUnderTheDefaultLimitFitsDynamoDbsItem() {
    int limit = DynamoDbTierConfig.builder("t_default").build().maxValueBytes();
    // Ids and a long key take item room too: the default leaves enough for them.
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < DynamoDbTier.MAX_IDS; i++) {
      ids.add("cus_" + run + "_" + "x".repeat(100) + i);
    }
    TierEntry atLimit =
        new TierEntry(
            "limits:" + run + ":" + "k".repeat(2_000),
            new byte[limit],
            ids,
            System.currentTimeMillis(),
            System.currentTimeMillis() + 60_000);

    assertThat(await(tier().put(atLimit))).isTrue();

    assertThat(await(tier().get(atLimit.key()))).isEqualTo(atLimit);
  }

  @Test
  void moreIdsThanOneTransactionIndexesAreRefusedAndCounted() {
    Set<String> most = new HashSet<>();
    for (int i = 0; i < DynamoDbTier.MAX_IDS; i++) {
      most.add("cus_" + run + i);
    }
    Set<String> tooMany = new HashSet<>(most);
    tooMany.add("cus_" + run + "extra");
    DynamoDbTier tier = tier();

    assertThat(await(tier.put(entry("many", new byte[] {1}, tooMany)))).isFalse();
    assertThat(await(tier.put(entry("most", new byte[] {1}, most)))).isTrue();

    assertThat(puts("too_many_ids")).isEqualTo(1);
    // The last id's index item was written in the same transaction: invalidating it finds the
    // entry.
    await(tier.invalidate(List.of("cus_" + run + (DynamoDbTier.MAX_IDS - 1))));
    assertThat(await(tier.get(entry("most", new byte[] {1}, most).key()))).isNull();
  }

  @Test
  void anEntryWithoutIdsIsStoredAndKeepsTheNewerFetch() {
    DynamoDbTier tier = tier();
    long now = System.currentTimeMillis();
    String key = "limits:" + run + ":no-ids";
    TierEntry newer = new TierEntry(key, bytes("newer"), Set.of(), now - 1_000, now + 60_000);
    TierEntry older = new TierEntry(key, bytes("older"), Set.of(), now - 5_000, now + 60_000);

    assertThat(await(tier.put(newer))).isTrue();
    assertThat(await(tier.put(older))).isFalse();

    assertThat(await(tier.get(key))).isEqualTo(newer);
    assertThat(puts("older")).isEqualTo(1);
  }

  @Test
  void getAllReadsMoreKeysThanOneBatchHoldsAndToleratesRepeats() {
    DynamoDbTier tier = tier();
    int count = 230;
    List<CompletableFuture<Boolean>> puts = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      TierEntry entry = entry("batch" + i, bytes("v" + i), Set.of("cus_" + run + i));
      keys.add(entry.key());
      puts.add(tier.put(entry));
    }
    puts.forEach(DynamoDbTierLimitsIT::await);
    List<String> asked = new ArrayList<>(keys);
    asked.addAll(keys.subList(0, 10));
    asked.add("limits:" + run + ":absent");

    Map<String, TierEntry> found = await(tier.getAll(asked));

    assertThat(found).hasSize(count);
    assertThat(found.get(keys.get(199)).value()).isEqualTo(bytes("v199"));
  }

  @Test
  void getAllReturnsLargeValuesBeyondOneSixteenMegabyteAnswer() {
    DynamoDbTier tier = tier();
    // 48 values of 350,000 bytes: 16.8 MB, more than one BatchGetItem answer carries.
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      byte[] value = new byte[350_000];
      value[0] = (byte) i;
      TierEntry entry = entry("large" + i, value, Set.of("cus_" + run + "large"));
      keys.add(entry.key());
      assertThat(await(tier.put(entry))).isTrue();
    }

    // The case is only worth its time if DynamoDB (Local) really leaves keys unprocessed.
    try (DynamoDbAsyncClient raw = DYNAMODB.client()) {
      List<Map<String, AttributeValue>> asked = keys.stream().map(Items::entryKey).toList();
      BatchGetItemResponse one =
          await(
              raw.batchGetItem(
                  r ->
                      r.requestItems(
                          Map.of(
                              "edge_cache_limits",
                              KeysAndAttributes.builder().keys(asked).build()))));
      assertThat(one.unprocessedKeys()).isNotEmpty();
    }

    Map<String, TierEntry> found = await(tier.getAll(keys));

    assertThat(found).hasSize(48);
    assertThat(found.get(keys.get(47)).value()[0]).isEqualTo((byte) 47);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
