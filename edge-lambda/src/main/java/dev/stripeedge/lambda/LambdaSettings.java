package dev.stripeedge.lambda;

import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.runtime.EdgeSettingsLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A function's {@link EdgeSettings}, from its environment variables only: {@link
 * EdgeSettingsLoader} with the environment layer every host has ({@code STRIPE_EDGE_UPSTREAM},
 * {@code STRIPE_EDGE_WEBHOOK_SECRETS}, {@code STRIPE_EDGE_CACHE_KEY_SECRET}…), an optional bundled
 * YAML file, and the few variables a function needs beyond them, turned into the loader's
 * overrides:
 *
 * <ul>
 *   <li>{@code STRIPE_EDGE_CONFIG}: a YAML file (say {@code /var/task/edge.yaml}); unless it says
 *       otherwise, the store file is {@code /tmp/stripe-edge.db}, the only writable place in
 *       Lambda, and the SQLite tier and asynchronous writes are off ({@link #FUNCTION_DEFAULTS});
 *   <li>{@code STRIPE_EDGE_DYNAMODB_TABLE}: turns the DynamoDB tier on, on this table;
 *   <li>{@code STRIPE_EDGE_EVENTS_TABLE}: the webhook ledger on DynamoDB, on this table (so a
 *       delivery landing on two instances is applied once);
 *   <li>{@code STRIPE_EDGE_DYNAMODB_ENDPOINT}: another endpoint for both (DynamoDB Local);
 *   <li>{@code STRIPE_EDGE_DYNAMODB_CREATE_TABLES}: {@code true} to create missing tables (tests;
 *       in AWS the tables belong to the stack);
 *   <li>{@code STRIPE_EDGE_BUDGET_REDIS_URIS}: the budget shared through Redis (ElastiCache), so
 *       all concurrent instances together stay under Stripe's limits;
 *   <li>{@code STRIPE_EDGE_BUDGET_DYNAMODB_TABLE}: the budget shared through DynamoDB instead, on
 *       this table (one conditional write per lease of a few tokens);
 *   <li>{@code STRIPE_EDGE_ASYNC_POLL}: {@code true} or {@code false}, whether this function's own
 *       workers take asynchronous writes from the queue ({@code asyncWrites.poll}). Unset, only a
 *       function on the embedded {@code sqlite} queue polls: with a shared queue ({@code sqs}) the
 *       accepting function only enqueues and the SQS-triggered worker function applies, since a
 *       frozen environment's poller would hide messages it cannot work on;
 *   <li>{@code AWS_REGION}, which Lambda sets: the region of both tables.
 * </ul>
 *
 * No classpath scanning: the backends are the ServiceLoader entries of the jars on the class path.
 */
public final class LambdaSettings {

  /** Where the store file goes when no configuration file says: Lambda's writable directory. */
  public static final String TMP_STORE = "/tmp/stripe-edge.db";

  private static final String POLL_PATH = "asyncWrites.poll";

  /**
   * What a function changes in the edge's defaults, under its file: the store in {@code /tmp}, the
   * only writable place; no SQLite tier (a per-environment file behind a memory tier that lives as
   * long, for a quarter-second more cold start); no asynchronous writes (accepted into a queue in
   * {@code /tmp}, one would die with the environment: a file turns them on, with {@code queue: sqs}
   * and the worker function). Without either, nothing opens SQLite at all.
   */
  private static final Map<String, Object> FUNCTION_DEFAULTS =
      Map.of(
          "store.path", TMP_STORE,
          "tiers.sqlite.enabled", false,
          "asyncWrites.enabled", false);

  private LambdaSettings() {}

  /**
   * The settings {@code environment} describes.
   *
   * @throws IllegalArgumentException a bad variable or file (the message names it, never a secret)
   */
  public static EdgeSettings load(Map<String, String> environment) {
    return load(environment, Map.of());
  }

  /**
   * The settings {@code environment} describes, then {@code overrides} (dotted paths, as {@link
   * EdgeSettingsLoader#load(Path, Map, Map)} takes them), for what a function sets in code.
   *
   * @throws IllegalArgumentException a bad variable, file or override
   */
  public static EdgeSettings load(Map<String, String> environment, Map<String, ?> overrides) {
    String file = value(environment, "STRIPE_EDGE_CONFIG");
    Map<String, Object> layer = new LinkedHashMap<>();
    String region = value(environment, "AWS_REGION");
    String endpoint = value(environment, "STRIPE_EDGE_DYNAMODB_ENDPOINT");
    boolean create =
        "true".equalsIgnoreCase(value(environment, "STRIPE_EDGE_DYNAMODB_CREATE_TABLES"));
    String tierTable = value(environment, "STRIPE_EDGE_DYNAMODB_TABLE");
    if (tierTable != null) {
      layer.put("tiers.dynamodb.enabled", true);
      layer.put("tiers.dynamodb.table", tierTable);
      dynamoDb(layer, "tiers.dynamodb.", region, endpoint, create);
    }
    String eventsTable = value(environment, "STRIPE_EDGE_EVENTS_TABLE");
    if (eventsTable != null) {
      layer.put("store.backend", "dynamodb");
      layer.put("store.dynamodb.table", eventsTable);
      dynamoDb(layer, "store.dynamodb.", region, endpoint, create);
    }
    String budgetUris = value(environment, "STRIPE_EDGE_BUDGET_REDIS_URIS");
    if (budgetUris != null) {
      List<String> uris =
          Arrays.stream(budgetUris.split(","))
              .map(String::strip)
              .filter(u -> !u.isEmpty())
              .toList();
      layer.put("budget.shared.redis.redis.enabled", true);
      layer.put("budget.shared.redis.redis.uris", uris);
    }
    String budgetTable = value(environment, "STRIPE_EDGE_BUDGET_DYNAMODB_TABLE");
    if (budgetTable != null) {
      layer.put("budget.shared.dynamodb.enabled", true);
      layer.put("budget.shared.dynamodb.table", budgetTable);
      dynamoDb(layer, "budget.shared.dynamodb.", region, endpoint, create);
    }
    layer.putAll(overrides);
    // One binding: a function's defaults under the file, its variables and overrides over it.
    EdgeSettings settings =
        EdgeSettingsLoader.load(
            file == null ? null : Path.of(file), environment, FUNCTION_DEFAULTS, layer);
    if (overrides.containsKey(POLL_PATH)) {
      return settings;
    }
    boolean poll = poll(environment, settings.asyncWrites().queue());
    return poll == settings.asyncWrites().poll()
        ? settings
        : settings.with(Map.of(POLL_PATH, poll));
  }

  /** {@code STRIPE_EDGE_ASYNC_POLL}, else whether the queue is this environment's own file. */
  private static boolean poll(Map<String, String> environment, String queue) {
    String value = value(environment, "STRIPE_EDGE_ASYNC_POLL");
    if (value == null) {
      return queue.equals("sqlite");
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "STRIPE_EDGE_ASYNC_POLL must be true or false: " + value);
    };
  }

  private static void dynamoDb(
      Map<String, Object> overrides,
      String prefix,
      @Nullable String region,
      @Nullable String endpoint,
      boolean create) {
    if (region != null) {
      overrides.put(prefix + "region", region);
    }
    if (endpoint != null) {
      overrides.put(prefix + "endpoint", endpoint);
    }
    if (create) {
      overrides.put(prefix + "createTable", true);
    }
  }

  private static @Nullable String value(Map<String, String> environment, String name) {
    String value = environment.get(name);
    return value == null || value.isBlank() ? null : value.strip();
  }
}
