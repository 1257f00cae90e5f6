package dev.stripeedge.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The environment's layer of {@link EdgeSettingsLoader}, over the file's: the {@code STRIPE_EDGE_…}
 * variables its class comment lists, secrets above all (they belong in the environment rather than
 * in a file). No message quotes a variable's value.
 */
final class EnvironmentSettings {

  private EnvironmentSettings() {}

  /** Writes the variables {@code environment} sets into {@code tree}. */
  static void apply(ObjectNode tree, Map<String, String> environment) {
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
      ArrayNode list = EdgeSettingsLoader.section(tree, "webhooks").putArray("secrets");
      for (String secret : secrets.split(",")) {
        if (!secret.isBlank()) {
          list.add(secret.strip());
        }
      }
    }
    String endpoints = environment.get("STRIPE_EDGE_WEBHOOK_ENDPOINTS");
    if (endpoints != null && !endpoints.isBlank()) {
      setEndpointSecrets(EdgeSettingsLoader.section(tree, "webhooks"), endpoints);
    }
    String apiKey = environment.get("STRIPE_EDGE_RECONCILE_API_KEY");
    if (apiKey != null && !apiKey.isBlank()) {
      EdgeSettingsLoader.section(tree, "reconcile").put("apiKey", apiKey.strip());
    }
    String adminToken = environment.get("STRIPE_EDGE_ADMIN_TOKEN");
    if (adminToken != null && !adminToken.isBlank()) {
      EdgeSettingsLoader.section(tree, "listeners", "admin").put("token", adminToken.strip());
    }
    String keySecret = environment.get("STRIPE_EDGE_CACHE_KEY_SECRET");
    if (keySecret != null && !keySecret.isBlank()) {
      tree.put("cacheKeySecret", keySecret.strip());
    }
    String callbackSecret = environment.get("STRIPE_EDGE_ASYNC_CALLBACK_SECRET");
    if (callbackSecret != null && !callbackSecret.isBlank()) {
      EdgeSettingsLoader.section(tree, "asyncWrites").put("callbackSecret", callbackSecret.strip());
    }
    String redisUris = environment.get("STRIPE_EDGE_REDIS_URIS");
    if (redisUris != null && !redisUris.isBlank()) {
      if (!(tree.path("tiers").get("redis") instanceof ObjectNode)) {
        throw new IllegalArgumentException(
            "STRIPE_EDGE_REDIS_URIS is set but the Redis tier is not on the class path: add "
                + SettingsJson.moduleFor("redis"));
      }
      ArrayNode list = EdgeSettingsLoader.section(tree, "tiers", "redis").putArray("uris");
      for (String uri : redisUris.split(",")) {
        if (!uri.isBlank()) {
          list.add(uri.strip());
        }
      }
    }
    String tierKeys = environment.get("STRIPE_EDGE_TIER_KEYS");
    if (tierKeys != null && !tierKeys.isBlank()) {
      ObjectNode encryption = EdgeSettingsLoader.section(tree, "tiers", "encryption");
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

  private static void set(ObjectNode tree, String field, @Nullable String value) {
    if (value != null && !value.isBlank()) {
      tree.put(field, value.strip());
    }
  }
}
