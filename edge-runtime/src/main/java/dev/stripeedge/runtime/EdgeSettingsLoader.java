package dev.stripeedge.runtime;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stripeedge.core.CacheConfig;
import dev.stripeedge.core.IdempotencyConfig;
import dev.stripeedge.core.RetryConfig;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.isolation.IsolationConfig;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.spi.Backend;
import dev.stripeedge.core.webhooks.ForwardConfig;
import dev.stripeedge.core.webhooks.Reconciler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link EdgeSettings}: defaults, then a YAML file, then {@code STRIPE_EDGE_HOST}, {@code
 * STRIPE_EDGE_PORT}, {@code STRIPE_EDGE_UPSTREAM}, {@code STRIPE_EDGE_WEBHOOK_SECRETS}
 * (comma-separated), {@code STRIPE_EDGE_WEBHOOK_ENDPOINTS} ({@code /path=whsec_a,whsec_b;/other=…}:
 * further endpoints' secrets), {@code STRIPE_EDGE_RECONCILE_API_KEY}, {@code
 * STRIPE_EDGE_CACHE_KEY_SECRET} (base64), {@code STRIPE_EDGE_ADMIN_TOKEN} (the admin listener's
 * bearer token), {@code STRIPE_EDGE_ASYNC_CALLBACK_SECRET} (signs asynchronous writes' callbacks),
 * {@code STRIPE_EDGE_REDIS_URIS} and {@code STRIPE_EDGE_TIER_KEYS} ({@code id:base64,…}, the first
 * encrypting unless {@code tiers.encryption.currentKey} says otherwise): secrets belong in the
 * environment rather than in a file. Then the caller's overrides (command-line flags), by dotted
 * path. Unknown keys are errors (a typo must not be silently ignored); no message quotes a value
 * that may be a secret.
 */
public final class EdgeSettingsLoader {

  // Over 400 lines: defaults, file, environment and overrides in their documented order, and error
  // messages that never quote a value.

  private static final ObjectMapper YAML = SettingsJson.mapper();

  private EdgeSettingsLoader() {}

  /** Loads the configuration; a bad file or value is an {@link IllegalArgumentException}. */
  public static EdgeSettings load(@Nullable Path file, Map<String, String> environment) {
    return load(file, environment, Map.of());
  }

  /**
   * Loads the configuration, then applies {@code overrides} (dotted paths as in YAML, e.g. {@code
   * "listeners.admin.port"}, to values: numbers, booleans, strings, lists).
   *
   * @throws IllegalArgumentException a bad file, variable, path or value
   */
  public static EdgeSettings load(
      @Nullable Path file, Map<String, String> environment, Map<String, ?> overrides) {
    ObjectNode tree = defaultTree();
    if (file != null) {
      if (!Files.isReadable(file)) {
        throw new IllegalArgumentException("cannot read config file " + file);
      }
      try {
        JsonNode patch = YAML.readTree(file.toFile());
        if (patch != null && !patch.isMissingNode() && !patch.isNull()) {
          if (!patch.isObject()) {
            throw new IllegalArgumentException("config file " + file + " must hold a mapping");
          }
          merge(tree, patch);
        }
      } catch (JsonProcessingException e) {
        // Where, and the parser's reason without the excerpt it quotes (a line may hold a secret).
        JsonLocation where = e.getLocation();
        String at =
            where == null
                ? ""
                : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
        throw new IllegalArgumentException(
            "cannot parse config file " + file + at + ": " + firstLine(e.getOriginalMessage()), e);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read config file " + file, e);
      }
    }
    set(tree, "host", environment.get("STRIPE_EDGE_HOST"));
    set(tree, "upstream", environment.get("STRIPE_EDGE_UPSTREAM"));
    String port = environment.get("STRIPE_EDGE_PORT");
    if (port != null && !port.isBlank()) {
      try {
        tree.put("port", Integer.parseInt(port.strip()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("STRIPE_EDGE_PORT is not a number: " + port, e);
      }
    }
    String secrets = environment.get("STRIPE_EDGE_WEBHOOK_SECRETS");
    if (secrets != null && !secrets.isBlank()) {
      ArrayNode list = section(tree, "webhooks").putArray("secrets");
      for (String secret : secrets.split(",")) {
        if (!secret.isBlank()) {
          list.add(secret.strip());
        }
      }
    }
    String endpoints = environment.get("STRIPE_EDGE_WEBHOOK_ENDPOINTS");
    if (endpoints != null && !endpoints.isBlank()) {
      setEndpointSecrets(section(tree, "webhooks"), endpoints);
    }
    String apiKey = environment.get("STRIPE_EDGE_RECONCILE_API_KEY");
    if (apiKey != null && !apiKey.isBlank()) {
      section(tree, "reconcile").put("apiKey", apiKey.strip());
    }
    String adminToken = environment.get("STRIPE_EDGE_ADMIN_TOKEN");
    if (adminToken != null && !adminToken.isBlank()) {
      section(tree, "listeners", "admin").put("token", adminToken.strip());
    }
    String keySecret = environment.get("STRIPE_EDGE_CACHE_KEY_SECRET");
    if (keySecret != null && !keySecret.isBlank()) {
      tree.put("cacheKeySecret", keySecret.strip());
    }
    String callbackSecret = environment.get("STRIPE_EDGE_ASYNC_CALLBACK_SECRET");
    if (callbackSecret != null && !callbackSecret.isBlank()) {
      section(tree, "asyncWrites").put("callbackSecret", callbackSecret.strip());
    }
    String redisUris = environment.get("STRIPE_EDGE_REDIS_URIS");
    if (redisUris != null && !redisUris.isBlank()) {
      if (!(tree.path("tiers").get("redis") instanceof ObjectNode)) {
        throw new IllegalArgumentException(
            "STRIPE_EDGE_REDIS_URIS is set but the Redis tier is not on the class path: add "
                + SettingsJson.moduleFor("redis"));
      }
      ArrayNode list = section(tree, "tiers", "redis").putArray("uris");
      for (String uri : redisUris.split(",")) {
        if (!uri.isBlank()) {
          list.add(uri.strip());
        }
      }
    }
    String tierKeys = environment.get("STRIPE_EDGE_TIER_KEYS");
    if (tierKeys != null && !tierKeys.isBlank()) {
      ObjectNode encryption = section(tree, "tiers", "encryption");
      ObjectNode keys = encryption.putObject("keys");
      for (String pair : tierKeys.split(",")) {
        int colon = pair.indexOf(':');
        if (colon < 1) {
          // Never the value: it holds key material.
          throw new IllegalArgumentException(
              "STRIPE_EDGE_TIER_KEYS must be id:base64[,id:base64…]");
        }
        keys.put(pair.substring(0, colon).strip(), pair.substring(colon + 1).strip());
      }
    }
    applyOverrides(tree, overrides);
    try {
      return bind(tree);
    } catch (IllegalArgumentException e) {
      if (file == null || !(e.getCause() instanceof JsonMappingException mapping)) {
        throw e;
      }
      // file:line:column: where the setting is in the operator's file, as compilers say it.
      String at = locations(file).get(pointer(mapping));
      if (at == null) {
        throw e;
      }
      throw new IllegalArgumentException(
          file
              + ":"
              + at
              + ": "
              + String.valueOf(e.getMessage()).replaceFirst("^invalid configuration: ", ""),
          e.getCause());
    }
  }

  /** The JSON pointer of the setting a binding failure is about ({@code /cache/maxByte}). */
  private static String pointer(JsonMappingException e) {
    StringBuilder pointer = new StringBuilder();
    for (JsonMappingException.Reference step : e.getPath()) {
      if (step.getFieldName() != null) {
        pointer.append('/').append(step.getFieldName());
      } else if (step.getIndex() >= 0) {
        pointer.append('/').append(step.getIndex());
      }
    }
    return pointer.toString();
  }

  /** {@code line:column} of every key in {@code file}, by JSON pointer. */
  private static Map<String, String> locations(Path file) {
    Map<String, String> at = new java.util.HashMap<>();
    try (com.fasterxml.jackson.core.JsonParser parser =
        YAML.getFactory().createParser(file.toFile())) {
      for (var token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
          JsonLocation where = parser.currentTokenLocation();
          at.put(
              parser.getParsingContext().pathAsPointer().toString(),
              where.getLineNr() + ":" + where.getColumnNr());
        }
      }
    } catch (IOException e) {
      // Parsed once already; without locations the message still names the setting.
    }
    return at;
  }

  /** {@code settings} with {@code overrides} applied, checked as a file's values would be. */
  static EdgeSettings override(EdgeSettings settings, Map<String, ?> overrides) {
    ObjectNode tree = YAML.valueToTree(settings);
    applyOverrides(tree, overrides);
    return bind(tree);
  }

  /**
   * The defaults: the core's own defaults for its records, every backend on the class path at its
   * defaults.
   */
  private static ObjectNode defaultTree() {
    ObjectNode tree = YAML.createObjectNode();
    tree.put("host", "127.0.0.1");
    tree.put("port", 8080);
    tree.put("upstream", "https://api.stripe.com");
    tree.put("maxBodyBytes", 1 << 20);
    tree.put("headerTimeout", "20s");
    tree.set("cache", YAML.valueToTree(CacheConfig.defaults()));
    tree.put("cacheKeySecret", "");
    tree.set("sizing", YAML.valueToTree(SizingConfig.defaults()));
    tree.set("retry", YAML.valueToTree(RetryConfig.defaults()));
    tree.set("idempotency", YAML.valueToTree(IdempotencyConfig.defaults()));
    tree.set("isolation", YAML.valueToTree(IsolationConfig.defaults()));
    ObjectNode webhooks = tree.putObject("webhooks");
    webhooks.put("path", "/webhooks/stripe");
    webhooks.putArray("secrets");
    webhooks.putArray("endpoints");
    webhooks.put("tolerance", "5m");
    webhooks.put("maxPayloadBytes", 1 << 20);
    webhooks.set(
        "forwarding",
        YAML.valueToTree(
            new ForwardConfig(
                Map.of(),
                8,
                Duration.ofSeconds(1),
                Duration.ofMinutes(5),
                Duration.ofSeconds(10),
                ForwardConfig.PER_TARGET)));
    ObjectNode reconcile = tree.putObject("reconcile");
    reconcile.put("period", "60s");
    reconcile.put("apiKey", "");
    reconcile.put("maxPagesPerPass", 10);
    reconcile.put("maxAccountsPerPass", Reconciler.DEFAULT_ACCOUNTS_PER_PASS);
    reconcile.put("driftAuditEvery", "5m");
    reconcile.put("driftSample", 20);
    tree.putObject("store").put("backend", "sqlite").put("path", "./stripe-edge.db");
    ObjectNode budget = tree.putObject("budget");
    budget.put("enabled", true);
    budget.set("limits", YAML.valueToTree(BudgetConfig.live()));
    ObjectNode shared = budget.putObject("shared");
    for (Backend<?> backend : SettingsJson.sharedBudgetBackends()) {
      shared.set(backend.name(), YAML.valueToTree(backend.defaults()));
    }
    ObjectNode tiers = tree.putObject("tiers");
    for (Backend<?> backend : SettingsJson.tierBackends()) {
      tiers.set(backend.name(), YAML.valueToTree(backend.defaults()));
    }
    tiers.putObject("encryption").put("enabled", false).put("currentKey", "").putObject("keys");
    ObjectNode listeners = tree.putObject("listeners");
    ObjectNode noTls = YAML.createObjectNode().put("certFile", "").put("keyFile", "");
    listeners.set("proxyTls", noTls.deepCopy());
    ObjectNode admin = listeners.putObject("admin");
    admin.put("host", "127.0.0.1").put("port", 8081).put("token", "");
    admin.putArray("allowedHosts");
    admin.set("tls", noTls.deepCopy());
    ObjectNode webhookListener = listeners.putObject("webhooks");
    webhookListener.put("enabled", false).put("host", "127.0.0.1").put("port", 8082);
    webhookListener.set("tls", noTls.deepCopy());
    listeners.put("tlsReload", "10s");
    tree.set("asyncWrites", YAML.valueToTree(AsyncWriteConfig.defaults()));
    tree.set("accessLog", YAML.valueToTree(EdgeSettings.AccessLog.defaults()));
    return tree;
  }

  private static void applyOverrides(ObjectNode tree, Map<String, ?> overrides) {
    overrides.forEach(
        (path, value) -> {
          String[] names = path.split("\\.");
          ObjectNode parent = section(tree, java.util.Arrays.copyOf(names, names.length - 1));
          String name = names[names.length - 1];
          if (!parent.has(name)) {
            throw new IllegalArgumentException(
                "unknown setting " + path + " (every setting is in edge-config.example.yaml)");
          }
          Object plain = value instanceof Path file ? file.toString() : value;
          parent.set(name, YAML.valueToTree(plain));
        });
  }

  private static EdgeSettings bind(ObjectNode tree) {
    try {
      return YAML.treeToValue(tree, EdgeSettings.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("invalid configuration: " + describe(e), e);
    }
  }

  /**
   * What is wrong, never with the value: Jackson's own messages quote it, and it may be a secret (a
   * key pasted under the wrong setting). The configuration's records say what is wrong with a value
   * without quoting secrets, so their messages are kept.
   */
  private static String describe(IOException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof IllegalArgumentException) {
      String message = firstLine(e);
      if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
        // A value's own check (a duration's parser) does not know which setting it is.
        String key = pointer(mapping).substring(1).replace('/', '.');
        String last = key.substring(key.lastIndexOf('.') + 1);
        if (!message.contains(last)) {
          return key + ": " + message;
        }
      }
      return message;
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      // A key, not a value: safe to name, and the point of the message.
      StringBuilder where = new StringBuilder();
      for (JsonMappingException.Reference step : unknown.getPath()) {
        if (step.getFieldName() != null) {
          where.append(where.isEmpty() ? "" : ".").append(step.getFieldName());
        }
      }
      String name = unknown.getPropertyName();
      String hint =
          name.endsWith("Seconds") || name.endsWith("Millis")
              ? " (settings take durations now: "
                  + name.replaceAll("(Seconds|Millis)$", "")
                  + ": 30s, 250ms…)"
              : suggestion(name, unknown.getKnownPropertyIds());
      return "unknown setting " + where + hint;
    }
    if (e instanceof JsonMappingException mapping) {
      StringBuilder where = new StringBuilder();
      for (JsonMappingException.Reference step : mapping.getPath()) {
        if (step.getFieldName() != null) {
          where.append(where.isEmpty() ? "" : ".").append(step.getFieldName());
        } else if (step.getIndex() >= 0) {
          where.append('[').append(step.getIndex()).append(']');
        }
      }
      String expected =
          e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null
              ? " (expected " + kind(mismatch.getTargetType()) + ")"
              : "";
      return (where.isEmpty() ? "the file" : where)
          + ": a value of the wrong kind"
          + expected
          + "; the value is not shown, it may be a secret";
    }
    return "the file cannot be read as a configuration";
  }

  /** {@code (did you mean maxBytes?)} for a near miss, else where every setting is listed. */
  private static String suggestion(String name, java.util.@Nullable Collection<Object> known) {
    String best = null;
    int bestDistance = 3;
    for (Object candidate : known == null ? java.util.List.<Object>of() : known) {
      int distance =
          distance(
              name.toLowerCase(java.util.Locale.ROOT),
              candidate.toString().toLowerCase(java.util.Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate.toString();
        bestDistance = distance;
      }
    }
    return best != null
        ? " (did you mean " + best + "? every setting is in edge-config.example.yaml)"
        : " (a typo? every setting is in edge-config.example.yaml)";
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] =
            Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static String kind(Class<?> type) {
    if (type == String.class || type == dev.stripeedge.core.Secret.class) {
      return "a string";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
      return "a whole number";
    }
    if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
      return "a number";
    }
    if (type == Duration.class) {
      return "a duration such as 30s, 250ms, 5m";
    }
    if (type.isEnum()) {
      return "one of " + java.util.Arrays.toString(type.getEnumConstants());
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "a mapping";
  }

  /**
   * {@code /path=whsec_a,whsec_b;/other=whsec_c}: each path's secrets, replacing those the file
   * gave that endpoint, or adding the endpoint.
   */
  private static void setEndpointSecrets(ObjectNode webhooks, String value) {
    ArrayNode list =
        webhooks.get("endpoints") instanceof ArrayNode existing
            ? existing
            : webhooks.putArray("endpoints");
    for (String entry : value.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq < 1) {
        // Never the value: it holds secrets.
        throw new IllegalArgumentException(
            "STRIPE_EDGE_WEBHOOK_ENDPOINTS must be /path=whsec_…[,whsec_…][;/path=…]");
      }
      String path = entry.substring(0, eq).strip();
      if (!path.matches("/[A-Za-z0-9._~/-]*")
          || path.startsWith("/v1/")
          || path.startsWith("/v2/")
          || path.startsWith("/admin/")) {
        // Never the path either: a malformed value may have a secret where the path belongs.
        throw new IllegalArgumentException(
            "STRIPE_EDGE_WEBHOOK_ENDPOINTS: an entry's path (before '=') must look like"
                + " /webhooks/connect, outside /v1/, /v2/ and /admin/");
      }
      ObjectNode endpoint = null;
      for (JsonNode node : list) {
        if (node instanceof ObjectNode object && path.equals(object.path("path").asText())) {
          endpoint = object;
        }
      }
      if (endpoint == null) {
        endpoint = list.addObject().put("path", path);
      }
      ArrayNode secrets = endpoint.putArray("secrets");
      for (String secret : entry.substring(eq + 1).split(",")) {
        if (!secret.isBlank()) {
          secrets.add(secret.strip());
        }
      }
    }
  }

  /**
   * The mapping at {@code path} that an environment variable writes into. The file may have put
   * something else there (a scalar, a list): that is the file's mistake, named, not a crash.
   */
  private static ObjectNode section(ObjectNode tree, String... path) {
    JsonNode node = tree;
    for (String name : path) {
      node = node.get(name);
      if (!(node instanceof ObjectNode)) {
        throw new IllegalArgumentException(
            "config key " + String.join(".", path) + " must be a mapping");
      }
    }
    return (ObjectNode) node;
  }

  private static void set(ObjectNode tree, String field, @Nullable String value) {
    if (value != null && !value.isBlank()) {
      tree.put(field, value.strip());
    }
  }

  private static void merge(ObjectNode target, JsonNode patch) {
    patch
        .properties()
        .forEach(
            field -> {
              JsonNode existing = target.get(field.getKey());
              if (existing instanceof ObjectNode object && field.getValue().isObject()) {
                merge(object, field.getValue());
              } else {
                target.set(field.getKey(), field.getValue());
              }
            });
  }

  private static String firstLine(@Nullable String message) {
    String text = message == null ? "" : message;
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  private static String firstLine(Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.toString() : root.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
