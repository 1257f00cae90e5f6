package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What of an upstream answer may be stored, and under which rule: a 200 under the request's rule; a
 * retrieve's {@code 404 resource_missing} under the short negative rule when negative caching is
 * on; nothing else.
 *
 * @param notFound the negative rule, or null when negative caching is off (the default)
 */
record StoreRule(CacheDecision.@Nullable Cacheable notFound) {

  /** Negative caching for {@code notFoundTtl}, off when it is zero. */
  static StoreRule of(Duration notFoundTtl) {
    return new StoreRule(
        notFoundTtl.isZero()
            ? null
            : new CacheDecision.Cacheable(notFoundTtl, Duration.ZERO, Duration.ZERO));
  }

  /** The rule {@code response} is stored under, or null when it is not stored. */
  CacheDecision.@Nullable Cacheable storableUnder(
      @Nullable EdgeResponse response, Route route, CacheDecision.Cacheable rule) {
    if (response == null) {
      return null;
    }
    if (response.status() == 200) {
      return rule;
    }
    if (response.status() == 404
        && notFound != null
        && route.kind() == Route.Kind.OBJECT
        && StripeErrors.code(response.body()).equals("resource_missing")) {
      return notFound;
    }
    return null;
  }
}
