package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.Dependency;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.tier.TierEntry;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The stage that stores an answer: in memory under a fill token (race-safe), then written through
 * to every tier in the background. Thread-safe; never blocks.
 */
final class CacheFill {

  private static final System.Logger log = System.getLogger(CacheFill.class.getName());

  private final L0Cache l0;
  private final TierChain tiers;
  private final StoreRule storeRule;

  CacheFill(L0Cache l0, TierChain tiers, StoreRule storeRule) {
    this.l0 = l0;
    this.tiers = tiers;
    this.storeRule = storeRule;
  }

  /**
   * Stores an exchange's answer to {@code request} if {@link StoreRule} allows it.
   *
   * @return whether it was stored in memory (a fill refused by a later invalidation is not)
   */
  boolean storeAnswer(
      L0Cache.FillToken token,
      CacheKey key,
      Exchange exchange,
      EdgeRequest request,
      Route route,
      CacheDecision.Cacheable rule,
      long fetchStartedMillis) {
    try {
      EdgeResponse response = exchange.response();
      CacheDecision.Cacheable under = storeRule.storableUnder(response, route, rule);
      return response != null
          && under != null
          && store(
                  token,
                  key,
                  response,
                  watched(route, request),
                  under,
                  route.resource(),
                  fetchStartedMillis)
              != null;
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.ERROR, "cache fill failed for " + key, e);
      return false;
    }
  }

  /**
   * Stores {@code response} in memory unless an id it holds changed since {@code token}, and writes
   * it through to the tiers, which refuse it if an id changed since {@code fetchStartedMillis}, and
   * keep it for their retention of {@code resource}.
   *
   * @return the memory entry, or null when the fill was refused
   */
  L0Cache.@Nullable Entry store(
      L0Cache.FillToken token,
      CacheKey key,
      EdgeResponse response,
      Set<String> ids,
      CacheDecision.Cacheable rule,
      String resource,
      long fetchStartedMillis) {
    L0Cache.Entry entry = l0.fillEntry(token, key, response, ids, rule, 0);
    if (entry != null && !tiers.isEmpty()) {
      tiers.writeThrough(
          new TierEntry(
              entry.key().value(),
              ResponseCodec.encode(entry.response()),
              entry.ids(),
              fetchStartedMillis,
              fetchStartedMillis + rule.retention().toMillis()),
          resource,
          rule.retention());
    }
    return entry;
  }

  /** Ids a read's entry depends on besides those in its body. */
  static Set<String> watched(Route route, EdgeRequest request) {
    Set<String> ids = new LinkedHashSet<>(route.pathIds());
    if (route.kind() == Route.Kind.OBJECT
        && request.rawQuery().isEmpty()
        && !route.pathIds().isEmpty()) {
      ids.add(new Dependency.RetrieveOf(route.pathIds().get(route.pathIds().size() - 1)).key());
    }
    if (route.kind() != Route.Kind.OBJECT
        && route.kind() != Route.Kind.NESTED_OBJECT
        && route.kind() != Route.Kind.SINGLETON) {
      // A list changes when anything under its collection is created, updated or deleted.
      ids.add(new Dependency.ListOf(route.collectionPath()).key());
    }
    return ids;
  }
}
