package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheConfig;
import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheRule;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.Route;
import java.time.Duration;
import java.util.Locale;

/** {@link CacheRule#stripe}: a rule table over a {@link CacheConfig}. Immutable, thread-safe. */
public final class DefaultCacheRule implements CacheRule {

  /** A client's explicit "do not answer this from the cache": {@code Stripe-Edge-Cache: bypass}. */
  public static final String BYPASS_HEADER = EdgeHeaders.CACHE;

  private final CacheConfig config;

  public DefaultCacheRule(CacheConfig config) {
    this.config = config;
  }

  @Override
  public CacheDecision decide(EdgeRequest request, Route route) {
    if (!request.method().equals("GET")) {
      return new CacheDecision.Bypass("method");
    }
    // Only an explicit opt-out bypasses. Not "no-cache": java.net.HttpURLConnection, which
    // stripe-java uses by default, sends "Cache-Control: no-cache" on every request, so honouring
    // it would switch the cache off for the most common client.
    String bypass = request.header(BYPASS_HEADER);
    if (bypass != null && bypass.strip().equalsIgnoreCase("bypass")) {
      return new CacheDecision.Bypass("client");
    }
    String cacheControl = request.header("cache-control");
    if (cacheControl != null && cacheControl.toLowerCase(Locale.ROOT).contains("no-store")) {
      return new CacheDecision.Bypass("no-store");
    }
    if (!route.apiVersion().equals("v1")) {
      // v2 carries thin events and different consistency; cache it only once someone asks.
      return new CacheDecision.Bypass("not-v1");
    }
    // Events are the change feed itself, and balance moves with every charge: never stale.
    if (route.resource().equals("events")) {
      return new CacheDecision.Bypass("events");
    }
    if (route.resource().equals("balance") || route.resource().equals("balance_transactions")) {
      return new CacheDecision.Bypass("balance");
    }
    return switch (route.kind()) {
      case OBJECT, NESTED_OBJECT, SINGLETON -> {
        Duration ttl = config.ttlFor(route.resource());
        yield ttl.isZero() ? new CacheDecision.Bypass("resource-off") : cacheable(ttl);
      }
      case COLLECTION, SEARCH, SUB_PATH ->
          config.listResources().contains(route.resource())
              ? cacheable(config.listTtl())
              : new CacheDecision.Bypass("list");
      case UNKNOWN -> new CacheDecision.Bypass("unknown-route");
    };
  }

  private CacheDecision cacheable(Duration ttl) {
    return new CacheDecision.Cacheable(ttl, config.staleWhileRevalidate(), config.staleIfError());
  }
}
