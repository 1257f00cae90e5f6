package dev.stripeedge.core;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The cache's rule table: TTLs per resource, which lists are opted in, the stale windows and the
 * byte bound of the L0 tier. Immutable.
 *
 * @param defaultTtl TTL of a retrieve whose resource has no entry in {@code ttls}
 * @param ttls TTL per resource ({@code customers}, {@code checkout.sessions}); zero turns a
 *     resource off
 * @param listResources resources whose lists and searches are cached (off by default: lists go
 *     stale on every create)
 * @param listTtl TTL of an opted-in list or search
 * @param staleWhileRevalidate see {@link CacheDecision.Cacheable}
 * @param staleIfError see {@link CacheDecision.Cacheable}
 * @param maxBytes bound of the in-memory tier, counting bodies, headers and keys
 * @param notFoundTtl how long a retrieve's {@code 404 resource_missing} is cached (negative
 *     caching); zero, the default, caches none
 * @param retention how long each tier below memory keeps an entry, per resource (see {@link
 *     RetentionConfig})
 */
public record CacheConfig(
    Duration defaultTtl,
    Map<String, Duration> ttls,
    Set<String> listResources,
    Duration listTtl,
    Duration staleWhileRevalidate,
    Duration staleIfError,
    long maxBytes,
    Duration notFoundTtl,
    RetentionConfig retention) {

  public CacheConfig {
    ttls = Map.copyOf(ttls);
    listResources = Set.copyOf(listResources);
    requirePositive("defaultTtl", defaultTtl);
    requirePositive("listTtl", listTtl);
    ttls.forEach(
        (resource, ttl) -> {
          if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl of " + resource + " is negative: " + ttl);
          }
        });
    if (staleWhileRevalidate.isNegative() || staleIfError.isNegative()) {
      throw new IllegalArgumentException(
          "stale windows must not be negative: swr=%s sie=%s"
              .formatted(staleWhileRevalidate, staleIfError));
    }
    if (notFoundTtl.isNegative()) {
      throw new IllegalArgumentException("notFoundTtl must not be negative: " + notFoundTtl);
    }
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
  }

  /**
   * Defaults: catalogue objects (products, prices, plans, tax rates) 5 min, customers 1 min,
   * money-moving objects 10 s, anything else 30 s; lists off; no stale-while-revalidate; 5 min
   * stale-if-error; 64 MiB.
   */
  public static CacheConfig defaults() {
    return new CacheConfig(
        Duration.ofSeconds(30),
        Map.of(
            "customers", Duration.ofSeconds(60),
            "products", Duration.ofMinutes(5),
            "prices", Duration.ofMinutes(5),
            "plans", Duration.ofMinutes(5),
            "tax_rates", Duration.ofMinutes(5),
            "coupons", Duration.ofMinutes(5),
            "payment_intents", Duration.ofSeconds(10),
            "charges", Duration.ofSeconds(10),
            "subscriptions", Duration.ofSeconds(30),
            "invoices", Duration.ofSeconds(10)),
        Set.of(),
        Duration.ofSeconds(5),
        Duration.ZERO,
        Duration.ofMinutes(5),
        64L * 1024 * 1024,
        Duration.ZERO,
        RetentionConfig.defaults());
  }

  /** The TTL of a retrieve of {@code resource}; zero when the resource is off. */
  public Duration ttlFor(String resource) {
    return ttls.getOrDefault(resource, defaultTtl);
  }

  /** A copy with {@code resource}'s TTL set; zero turns it off. */
  public CacheConfig withTtl(String resource, Duration ttl) {
    Map<String, Duration> copy = new java.util.HashMap<>(ttls);
    copy.put(resource, ttl);
    return new CacheConfig(
        defaultTtl,
        copy,
        listResources,
        listTtl,
        staleWhileRevalidate,
        staleIfError,
        maxBytes,
        notFoundTtl,
        retention);
  }

  /** A copy with lists and searches of {@code resources} cached for {@code ttl}. */
  public CacheConfig withLists(Set<String> resources, Duration ttl) {
    return new CacheConfig(
        defaultTtl,
        ttls,
        resources,
        ttl,
        staleWhileRevalidate,
        staleIfError,
        maxBytes,
        notFoundTtl,
        retention);
  }

  /** A copy with other stale windows. */
  public CacheConfig withStale(Duration whileRevalidate, Duration ifError) {
    return new CacheConfig(
        defaultTtl,
        ttls,
        listResources,
        listTtl,
        whileRevalidate,
        ifError,
        maxBytes,
        notFoundTtl,
        retention);
  }

  /** A copy with another byte bound. */
  public CacheConfig withMaxBytes(long value) {
    return new CacheConfig(
        defaultTtl,
        ttls,
        listResources,
        listTtl,
        staleWhileRevalidate,
        staleIfError,
        value,
        notFoundTtl,
        retention);
  }

  /**
   * A copy caching a retrieve's {@code 404 resource_missing} for {@code ttl} (zero: never). Opt-in:
   * an object created right after is found at once only through this edge's own write, which
   * invalidates the id; an object created elsewhere (the Dashboard, another edge without a shared
   * tier) stays "missing" for up to {@code ttl}.
   */
  public CacheConfig withNotFoundTtl(Duration ttl) {
    return new CacheConfig(
        defaultTtl,
        ttls,
        listResources,
        listTtl,
        staleWhileRevalidate,
        staleIfError,
        maxBytes,
        ttl,
        retention);
  }

  /** A copy with the tiers' retention {@code value}. */
  public CacheConfig withRetention(RetentionConfig value) {
    return new CacheConfig(
        defaultTtl,
        ttls,
        listResources,
        listTtl,
        staleWhileRevalidate,
        staleIfError,
        maxBytes,
        notFoundTtl,
        value);
  }

  private static void requirePositive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
