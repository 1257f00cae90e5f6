package dev.stripeedge.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.runtime.Backends;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.store.dynamodb.DynamoDbBudgetSettings;
import dev.stripeedge.store.dynamodb.DynamoDbStoreSettings;
import dev.stripeedge.store.dynamodb.DynamoDbTierSettings;
import dev.stripeedge.store.redis.RedisBudgetSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A function's environment variables, through the loader, onto the settings' records. */
class LambdaSettingsTest {

  private static final String KEY_SECRET =
      Base64.getEncoder()
          .encodeToString("lambda-settings-cache-key-secret".getBytes(StandardCharsets.UTF_8));

  private static Object backend(Backends backends, String name) {
    return backends.configured().stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow()
        .settings();
  }

  @Test
  void withoutAFileTheStoreIsInTmpAndNothingSharedIsOn() {
    EdgeSettings settings = LambdaSettings.load(Map.of());
    assertThat(settings.store().path()).isEqualTo("/tmp/stripe-edge.db");
    assertThat(settings.tiers().anyShared()).isFalse();
    // Nothing opens SQLite for a function that does not ask: no tier, no write queue.
    assertThat(settings.tiers().backends().enabledNames()).isEmpty();
    assertThat(settings.asyncWrites().enabled()).isFalse();
    assertThat(settings.upstream()).isEqualTo("https://api.stripe.com");
  }

  @Test
  void tablesRegionEndpointAndTheRedisBudgetComeFromTheirVariables() {
    EdgeSettings settings =
        LambdaSettings.load(
            Map.of(
                "STRIPE_EDGE_DYNAMODB_TABLE", "cache-table",
                "STRIPE_EDGE_EVENTS_TABLE", "events-table",
                "STRIPE_EDGE_DYNAMODB_ENDPOINT", "http://127.0.0.1:8000",
                "AWS_REGION", "eu-west-1",
                "STRIPE_EDGE_BUDGET_REDIS_URIS", "redis://a:6379, redis://b:6379",
                "STRIPE_EDGE_CACHE_KEY_SECRET", KEY_SECRET,
                "STRIPE_EDGE_WEBHOOK_SECRETS", "whsec_1"));

    DynamoDbTierSettings tier =
        (DynamoDbTierSettings) backend(settings.tiers().backends(), "dynamodb");
    assertThat(tier.enabled()).isTrue();
    assertThat(tier.table()).isEqualTo("cache-table");
    assertThat(tier.region()).isEqualTo("eu-west-1");
    assertThat(tier.endpoint()).isEqualTo("http://127.0.0.1:8000");
    assertThat(tier.createTable()).isFalse();
    assertThat(settings.store().backend()).isEqualTo("dynamodb");
    DynamoDbStoreSettings store =
        (DynamoDbStoreSettings) backend(settings.store().backends(), "dynamodb");
    assertThat(store.table()).isEqualTo("events-table");
    assertThat(store.region()).isEqualTo("eu-west-1");
    RedisBudgetSettings budget = (RedisBudgetSettings) backend(settings.budget().shared(), "redis");
    assertThat(budget.redis().enabled()).isTrue();
    assertThat(budget.redis().uris()).hasSize(2);
    assertThat(settings.webhooks().secrets()).hasSize(1);
  }

  @Test
  void theBudgetCanBeSharedThroughDynamoDbInstead() {
    EdgeSettings settings =
        LambdaSettings.load(
            Map.of(
                "STRIPE_EDGE_BUDGET_DYNAMODB_TABLE", "budget-table",
                "STRIPE_EDGE_DYNAMODB_ENDPOINT", "http://127.0.0.1:8000",
                "AWS_REGION", "eu-west-1",
                "STRIPE_EDGE_CACHE_KEY_SECRET", KEY_SECRET));

    DynamoDbBudgetSettings budget =
        (DynamoDbBudgetSettings) backend(settings.budget().shared(), "dynamodb");
    assertThat(budget.enabled()).isTrue();
    assertThat(budget.table()).isEqualTo("budget-table");
    assertThat(budget.region()).isEqualTo("eu-west-1");
    assertThat(budget.endpoint()).isEqualTo("http://127.0.0.1:8000");
    assertThat(settings.budget().shared().enabledNames()).containsExactly("dynamodb");
    assertThatThrownBy(
            () ->
                LambdaSettings.load(
                    Map.of(
                        "STRIPE_EDGE_BUDGET_DYNAMODB_TABLE", "budget-table",
                        "STRIPE_EDGE_BUDGET_REDIS_URIS", "redis://a:6379",
                        "STRIPE_EDGE_CACHE_KEY_SECRET", KEY_SECRET)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one backend at most");
  }

  @Test
  void aBundledFileIsReadAndTheVariablesStillApply(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("edge.yaml");
    Files.writeString(
        file,
        "store:\n  path: /tmp/from-file.db\ntiers:\n  sqlite:\n    enabled: true\n"
            + "asyncWrites:\n  enabled: true\n");
    EdgeSettings settings =
        LambdaSettings.load(
            Map.of("STRIPE_EDGE_CONFIG", file.toString(), "STRIPE_EDGE_UPSTREAM", "http://sim:1"));
    assertThat(settings.store().path()).isEqualTo("/tmp/from-file.db");
    assertThat(settings.upstream()).isEqualTo("http://sim:1");
    assertThat(settings.tiers().backends().enabledNames()).as("the file wins").contains("sqlite");
    assertThat(settings.asyncWrites().enabled()).isTrue();
  }

  @Test
  void aSharedTierWithoutOneCacheKeySecretIsRefusedByName() {
    assertThatThrownBy(() -> LambdaSettings.load(Map.of("STRIPE_EDGE_DYNAMODB_TABLE", "t")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("STRIPE_EDGE_CACHE_KEY_SECRET");
  }

  @Test
  void aFunctionOnASharedQueueOnlyAcceptsWritesUnlessToldToPoll(@TempDir Path dir)
      throws Exception {
    assertThat(LambdaSettings.load(Map.of()).asyncWrites().poll())
        .as("its own queue in /tmp: nobody else can apply those writes")
        .isTrue();
    Path file = dir.resolve("edge.yaml");
    Files.writeString(file, "asyncWrites:\n  queue: sqs\n");
    Map<String, String> sqs = Map.of("STRIPE_EDGE_CONFIG", file.toString());
    assertThat(LambdaSettings.load(sqs).asyncWrites().poll())
        .as("the SQS-triggered worker function applies them")
        .isFalse();
    assertThat(
            LambdaSettings.load(
                    Map.of("STRIPE_EDGE_CONFIG", file.toString(), "STRIPE_EDGE_ASYNC_POLL", "TRUE"))
                .asyncWrites()
                .poll())
        .isTrue();
    assertThat(LambdaSettings.load(Map.of("STRIPE_EDGE_ASYNC_POLL", "false")).asyncWrites().poll())
        .isFalse();
    assertThat(LambdaSettings.load(sqs, Map.of("asyncWrites.poll", true)).asyncWrites().poll())
        .as("the function's own override wins")
        .isTrue();
    assertThatThrownBy(() -> LambdaSettings.load(Map.of("STRIPE_EDGE_ASYNC_POLL", "sometimes")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("STRIPE_EDGE_ASYNC_POLL");
  }
}
