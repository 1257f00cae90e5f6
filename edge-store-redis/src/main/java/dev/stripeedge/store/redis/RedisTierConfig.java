package dev.stripeedge.store.redis;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;

/**
 * How to reach Redis and how the Redis tier keeps its data.
 *
 * @param uris one {@code redis://[:password@]host:port[/db]} (or {@code rediss://}) URI for a
 *     standalone server; for a cluster, one or more seed nodes (the client discovers the rest)
 * @param cluster whether {@code uris} name Redis Cluster nodes (Lettuce's cluster client, keys and
 *     scripts kept within hash slots) rather than one standalone server
 * @param keyPrefix put before every key and the pub/sub channel, so several deployments can share
 *     one Redis; default {@code stripe-edge:}; no braces (they would change Redis Cluster's hash
 *     slots) and no whitespace
 * @param commandTimeout how long one Redis command may take before its future fails; while Redis is
 *     unreachable commands fail at once instead. Default 50 ms: the tier is a cache, and the
 *     upstream is the fallback
 * @param clockTolerance how far an edge instance's clock may be from Redis's: an invalidation at
 *     server time T refuses fills whose fetch started (instance clock) up to T plus this. Default 1
 *     s
 * @param invalidationMemory how long an invalidation marker is kept: longer than any fetch can take
 *     (upstream deadline with its retries), or a fill that began before a forgotten invalidation
 *     could be stored. A promotion from a slower tier of an entry fetched longer ago is accepted:
 *     that tier got the same invalidations. Default 10 min
 */
public record RedisTierConfig(
    List<String> uris,
    boolean cluster,
    String keyPrefix,
    Duration commandTimeout,
    Duration clockTolerance,
    Duration invalidationMemory) {

  public static final String DEFAULT_KEY_PREFIX = "stripe-edge:";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(50);
  public static final Duration DEFAULT_CLOCK_TOLERANCE = Duration.ofSeconds(1);
  public static final Duration DEFAULT_INVALIDATION_MEMORY = Duration.ofMinutes(10);

  /** Validates eagerly; every message names the bad value (a URI without its password). */
  public RedisTierConfig {
    uris = List.copyOf(uris);
    if (uris.isEmpty()) {
      throw new IllegalArgumentException("redis: at least one URI is needed");
    }
    if (!cluster && uris.size() > 1) {
      throw new IllegalArgumentException(
          "redis: a standalone server takes one URI, got " + uris.size() + " (cluster: true?)");
    }
    for (String uri : uris) {
      checkUri(uri);
    }
    if (keyPrefix.isEmpty() || keyPrefix.matches(".*[{}\\s].*")) {
      throw new IllegalArgumentException(
          "redis: keyPrefix must be non-empty without braces or whitespace, got '"
              + keyPrefix
              + "'");
    }
    positive("commandTimeout", commandTimeout);
    if (clockTolerance.isNegative()) {
      throw new IllegalArgumentException(
          "redis: clockTolerance must not be negative, got " + clockTolerance);
    }
    positive("invalidationMemory", invalidationMemory);
    if (invalidationMemory.compareTo(clockTolerance) <= 0) {
      throw new IllegalArgumentException(
          "redis: invalidationMemory ("
              + invalidationMemory
              + ") must exceed clockTolerance ("
              + clockTolerance
              + ")");
    }
  }

  /** One standalone server, every other setting at its default. */
  public static RedisTierConfig standalone(String uri) {
    return new RedisTierConfig(
        List.of(uri),
        false,
        DEFAULT_KEY_PREFIX,
        DEFAULT_COMMAND_TIMEOUT,
        DEFAULT_CLOCK_TOLERANCE,
        DEFAULT_INVALIDATION_MEMORY);
  }

  /** A Redis Cluster reached through {@code seeds}, every other setting at its default. */
  public static RedisTierConfig cluster(List<String> seeds) {
    return new RedisTierConfig(
        seeds,
        true,
        DEFAULT_KEY_PREFIX,
        DEFAULT_COMMAND_TIMEOUT,
        DEFAULT_CLOCK_TOLERANCE,
        DEFAULT_INVALIDATION_MEMORY);
  }

  public RedisTierConfig withKeyPrefix(String prefix) {
    return new RedisTierConfig(
        uris, cluster, prefix, commandTimeout, clockTolerance, invalidationMemory);
  }

  public RedisTierConfig withCommandTimeout(Duration timeout) {
    return new RedisTierConfig(
        uris, cluster, keyPrefix, timeout, clockTolerance, invalidationMemory);
  }

  public RedisTierConfig withClockTolerance(Duration tolerance) {
    return new RedisTierConfig(
        uris, cluster, keyPrefix, commandTimeout, tolerance, invalidationMemory);
  }

  public RedisTierConfig withInvalidationMemory(Duration memory) {
    return new RedisTierConfig(uris, cluster, keyPrefix, commandTimeout, clockTolerance, memory);
  }

  /** The URIs with any password replaced by {@code ***}: safe for logs and messages. */
  public List<String> redactedUris() {
    return uris.stream().map(RedisTierConfig::redact).toList();
  }

  @Override
  public String toString() {
    return "RedisTierConfig[uris="
        + redactedUris()
        + ", cluster="
        + cluster
        + ", keyPrefix="
        + keyPrefix
        + ", commandTimeout="
        + commandTimeout
        + ", clockTolerance="
        + clockTolerance
        + ", invalidationMemory="
        + invalidationMemory
        + "]";
  }

  private static void checkUri(String uri) {
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("redis: not a URI: '" + redact(uri) + "'");
    }
    String scheme = parsed.getScheme();
    if (scheme == null
        || !(scheme.equals("redis") || scheme.equals("rediss"))
        || parsed.getHost() == null) {
      throw new IllegalArgumentException(
          "redis: expected redis://host:port or rediss://host:port, got '" + redact(uri) + "'");
    }
  }

  private static void positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("redis: " + name + " must be positive, got " + value);
    }
  }

  // Everything between "://" and the last "@" before the host is credentials.
  static String redact(String uri) {
    int scheme = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    if (scheme < 0 || at < scheme) {
      return uri;
    }
    return uri.substring(0, scheme + 3) + "***" + uri.substring(at);
  }
}
