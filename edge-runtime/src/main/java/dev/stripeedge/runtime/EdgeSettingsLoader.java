package dev.stripeedge.runtime;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * that may be a secret. The environment's layer is {@link EnvironmentSettings}, the messages {@link
 * SettingsMessages}.
 */
public final class EdgeSettingsLoader {

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
    return load(file, environment, Map.of(), overrides);
  }

  /**
   * {@link #load(Path, Map, Map)} with a host's own {@code defaults} (dotted paths) over the
   * edge's, under the file: what a host such as a Lambda function changes unless the operator says
   * otherwise. One binding, however many layers.
   *
   * @throws IllegalArgumentException a bad file, variable, path or value
   */
  public static EdgeSettings load(
      @Nullable Path file,
      Map<String, String> environment,
      Map<String, ?> defaults,
      Map<String, ?> overrides) {
    ObjectNode tree = defaultTree();
    applyOverrides(tree, defaults);
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
          if (patch.get("store") instanceof ObjectNode store) {
            // A file naming only some of a backend's settings (store.redis.uris) gets the rest.
            store.fieldNames().forEachRemaining(name -> seedStoreSection(tree, name));
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
            "cannot parse config file "
                + file
                + at
                + ": "
                + SettingsMessages.firstLine(e.getOriginalMessage()),
            e);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read config file " + file, e);
      }
    }
    EnvironmentSettings.apply(tree, environment);
    applyOverrides(tree, overrides);
    try {
      return bind(tree);
    } catch (IllegalArgumentException e) {
      if (file == null || !(e.getCause() instanceof JsonMappingException mapping)) {
        throw e;
      }
      // file:line:column: where the setting is in the operator's file, as compilers say it.
      String at = locations(file).get(SettingsMessages.pointer(mapping));
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
          if (names.length > 2 && names[0].equals("store")) {
            seedStoreSection(tree, names[1]);
          }
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

  /**
   * Event store backends have no section until one is written (unlike tiers, whose defaults are all
   * in the tree): the first write of {@code store.<name>}, from a file or an override, starts from
   * the backend's defaults, so a section naming some settings gets the others.
   */
  private static void seedStoreSection(ObjectNode tree, String name) {
    if (tree.get("store") instanceof ObjectNode store && !store.has(name)) {
      for (Backend<?> backend : SettingsJson.eventStoreBackends()) {
        if (backend.name().equals(name)) {
          store.set(name, YAML.valueToTree(backend.defaults()));
        }
      }
    }
  }

  private static EdgeSettings bind(ObjectNode tree) {
    try {
      return YAML.treeToValue(tree, EdgeSettings.class);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "invalid configuration: " + SettingsMessages.describe(e), e);
    }
  }

  /**
   * The mapping at {@code path} that an environment variable writes into. The file may have put
   * something else there (a scalar, a list): that is the file's mistake, named, not a crash.
   */
  static ObjectNode section(ObjectNode tree, String... path) {
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
}
