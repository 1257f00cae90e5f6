package dev.stripeedge.server;

import dev.stripeedge.core.CacheConfig;
import dev.stripeedge.core.RetryConfig;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything {@code stripe-edge serve} needs, with defaults that work.
 *
 * <p>Loaded by {@link EdgeConfigLoader}: defaults, then a YAML file, then {@code STRIPE_EDGE_*}
 * environment variables, then command-line flags. Immutable.
 *
 * @param host address to bind; loopback by default
 * @param port port to bind; 0 picks a free one
 * @param upstream where Stripe is: {@code https://api.stripe.com}, or a simulator
 * @param maxBodyBytes largest request body accepted
 * @param cache cache settings
 * @param retry retry settings
 */
public record EdgeConfig(
    String host, int port, String upstream, int maxBodyBytes, Cache cache, Retry retry) {

  public EdgeConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    URI uri = URI.create(upstream);
    if (uri.getScheme() == null
        || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("upstream must be an http(s) URL: " + upstream);
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("maxBodyBytes must be at least 1024: " + maxBodyBytes);
    }
  }

  public static EdgeConfig defaults() {
    return new EdgeConfig(
        "127.0.0.1", 8080, "https://api.stripe.com", 1 << 20, Cache.defaults(), Retry.defaults());
  }

  public EdgeConfig withHost(String value) {
    return new EdgeConfig(value, port, upstream, maxBodyBytes, cache, retry);
  }

  public EdgeConfig withPort(int value) {
    return new EdgeConfig(host, value, upstream, maxBodyBytes, cache, retry);
  }

  public EdgeConfig withUpstream(String value) {
    return new EdgeConfig(host, port, value, maxBodyBytes, cache, retry);
  }

  /**
   * Cache settings in plain units, as they are written in YAML.
   *
   * @param defaultTtlSeconds TTL of a retrieve whose resource has no TTL of its own
   * @param ttlSeconds per-resource TTLs ({@code customers: 60}); 0 switches a resource off
   * @param lists resources whose lists and searches are cached (off by default)
   * @param listTtlSeconds TTL of an opted-in list
   * @param staleWhileRevalidateSeconds serve stale while refreshing, this long after expiry
   * @param staleIfErrorSeconds serve stale when Stripe fails, this long after expiry
   * @param maxBytes memory bound of the in-memory tier
   */
  public record Cache(
      long defaultTtlSeconds,
      Map<String, Long> ttlSeconds,
      List<String> lists,
      long listTtlSeconds,
      long staleWhileRevalidateSeconds,
      long staleIfErrorSeconds,
      long maxBytes) {

    public Cache {
      ttlSeconds = Map.copyOf(ttlSeconds);
      lists = List.copyOf(lists);
    }

    public static Cache defaults() {
      CacheConfig core = CacheConfig.defaults();
      Map<String, Long> ttls = new LinkedHashMap<>();
      core.ttls().forEach((resource, ttl) -> ttls.put(resource, ttl.toSeconds()));
      return new Cache(
          core.defaultTtl().toSeconds(),
          ttls,
          List.copyOf(core.listResources()),
          core.listTtl().toSeconds(),
          core.staleWhileRevalidate().toSeconds(),
          core.staleIfError().toSeconds(),
          core.maxBytes());
    }

    /** The core's form. */
    public CacheConfig toCore() {
      Map<String, Duration> ttls = new LinkedHashMap<>();
      ttlSeconds.forEach((resource, seconds) -> ttls.put(resource, Duration.ofSeconds(seconds)));
      return new CacheConfig(
          Duration.ofSeconds(defaultTtlSeconds),
          ttls,
          Set.copyOf(lists),
          Duration.ofSeconds(listTtlSeconds),
          Duration.ofSeconds(staleWhileRevalidateSeconds),
          Duration.ofSeconds(staleIfErrorSeconds),
          maxBytes);
    }
  }

  /**
   * Retry settings in plain units.
   *
   * @param maxAttempts attempts per request, the first included
   * @param baseMillis first backoff ceiling; doubles per attempt, with full jitter
   * @param capMillis largest backoff ceiling
   * @param deadlineMillis total time a request may take; a client may lower it per request
   */
  public record Retry(int maxAttempts, long baseMillis, long capMillis, long deadlineMillis) {

    public static Retry defaults() {
      RetryConfig core = RetryConfig.defaults();
      return new Retry(
          core.maxAttempts(),
          core.base().toMillis(),
          core.cap().toMillis(),
          core.deadline().toMillis());
    }

    /** The core's form. */
    public RetryConfig toCore() {
      return new RetryConfig(
          Duration.ofMillis(baseMillis),
          Duration.ofMillis(capMillis),
          maxAttempts,
          Duration.ofMillis(deadlineMillis));
    }
  }
}
