package dev.stripeedge.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.Dependency;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.tier.TierEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The stage that applies an event's copy of an object: drops the object everywhere, then puts the
 * copy (or the entry it confirms) back in memory where {@link EventCopyRule} allows, and, once the
 * tiers acknowledged the drop, in every tier too: a tier that keeps entries for a day must hold the
 * newest version, not lose the object to each event. Only entries memory holds can be refreshed (a
 * tier's key is made with the client's API key, which the edge does not keep). Thread-safe; never
 * blocks.
 */
final class EventRefresh {

  /**
   * How long an event's copy answers before a refresh from Stripe confirms it: two changes within
   * one second, one of them delivered late or never, would otherwise leave the older one cached.
   */
  static final Duration EVENT_COPY_TTL = Duration.ofSeconds(5);

  private final L0Cache l0;
  private final TierChain tiers;
  private final Ticker ticker;
  private final Clock clock;
  private final EdgeMetrics metrics;
  private final Invalidation invalidation;

  // Newest event second applied per object, so an older event never replaces a newer copy.
  private final Cache<String, Long> newestChange =
      Caffeine.newBuilder()
          .maximumSize(100_000)
          .expireAfterWrite(Duration.ofMinutes(10))
          .executor(Runnable::run)
          .build();

  // The change last applied as the newest per object, kept for a few seconds: a second event in
  // the same second is ordered against it by previous_attributes (ChangeOrder).
  private final Cache<String, ObjectChange> lastChange =
      Caffeine.newBuilder()
          .maximumSize(10_000)
          .expireAfterWrite(Duration.ofSeconds(10))
          .executor(Runnable::run)
          .build();

  EventRefresh(
      L0Cache l0,
      TierChain tiers,
      Ticker ticker,
      Clock clock,
      EdgeMetrics metrics,
      Invalidation invalidation) {
    this.l0 = l0;
    this.tiers = tiers;
    this.ticker = ticker;
    this.clock = clock;
    this.metrics = metrics;
    this.invalidation = invalidation;
  }

  /** Where the change stands against those applied before it. */
  private record Order(boolean newest, boolean followsTie) {}

  /** Applies {@code change}; true once every tier acknowledged the invalidation. */
  CompletableFuture<Boolean> apply(ObjectChange change) {
    String id = change.objectId();
    long now = ticker.nanos();
    long nowMillis = clock.millis();
    String type = ObjectIds.typeOf(change.objectJson());
    List<L0Cache.Entry> held = new ArrayList<>();
    for (L0Cache.Entry entry : l0.holding(new Dependency.RetrieveOf(id).key())) {
      if (entry.response().status() == 200
          && change.apiVersion().equals(entry.response().header("stripe-version"))
          && EventCopyRule.sameSubject(
              entry.key(), entry.response().body(), change.account(), type)) {
        held.add(entry);
      }
    }
    Order order = order(change);
    Map<L0Cache.Entry, EventCopyRule.Verdict> verdicts = new LinkedHashMap<>();
    for (L0Cache.Entry entry : held) {
      long storedAtMillis = nowMillis - entry.ageNanos(now) / 1_000_000;
      verdicts.put(
          entry,
          EventCopyRule.verdict(
              entry.ids(), entry.response(), change, storedAtMillis, order.followsTie()));
    }
    // Memory keeps the entries about to be replaced until their replacement is in: a read in
    // between answers what it answered a moment ago instead of waiting on Stripe.
    List<L0Cache.Entry> replacing = new ArrayList<>();
    if (order.newest()) {
      verdicts.forEach(
          (entry, verdict) -> {
            if (verdict != EventCopyRule.Verdict.DROP) {
              replacing.add(entry);
            }
          });
    }
    CompletableFuture<Boolean> invalidated = invalidation.drop(List.of(id), replacing);
    // Not before the tiers recorded the drop: their markers refuse fills fetched until then.
    long droppedAtMillis = clock.millis();
    if (!order.newest() || verdicts.isEmpty()) {
      return invalidated;
    }
    // Taken after the invalidation: a write or event landing from here on refuses these fills.
    L0Cache.FillToken token = l0.beginFill();
    List<Map.Entry<TierEntry, Duration>> refilled = new ArrayList<>();
    verdicts.forEach(
        (entry, verdict) -> {
          L0Cache.Entry kept = refill(token, entry, verdict, change);
          if (kept == null) {
            l0.discard(entry); // not replaced after all: dropped as the invalidation would have
          } else if (!tiers.isEmpty()) {
            refilled.add(
                Map.entry(tierCopy(kept, change, droppedAtMillis), kept.rule().retention()));
          }
        });
    if (!refilled.isEmpty()) {
      // After the drop reached the tiers (a DynamoDB put could otherwise land before it and be
      // deleted by it); a tier that failed the drop gets no copy either way.
      invalidated.thenAccept(
          everywhere -> {
            if (everywhere) {
              refilled.forEach(
                  (copy) ->
                      tiers.writeThrough(
                          copy.getKey(),
                          HmacCacheKeys.resourceOf(copy.getKey().key()),
                          copy.getValue()));
            }
          });
    }
    return invalidated;
  }

  /**
   * What a tier stores of a refilled entry: marked with the event's second (a tier hit of it is
   * fresh for {@link #EVENT_COPY_TTL} only, as in memory) and stamped as fetched just after the
   * drop, beyond the clock tolerance with which the tiers refuse fills that may predate it. A fill
   * from Stripe that started later still replaces it.
   */
  private static TierEntry tierCopy(L0Cache.Entry kept, ObjectChange change, long droppedAtMillis) {
    Set<String> ids = new java.util.LinkedHashSet<>(kept.ids());
    ids.add(new EventCopyRule.Mark(change.changedAtSeconds()).key());
    long stamp = droppedAtMillis + TierChain.CLOCK_TOLERANCE.toMillis() + 1;
    return new TierEntry(
        kept.key().value(),
        ResponseCodec.encode(kept.response()),
        ids,
        stamp,
        stamp + kept.rule().retention().toMillis());
  }

  /**
   * The rule a hit of an event's copy answers under when asked for under {@code rule}: fresh for
   * {@link #EVENT_COPY_TTL} at most, whichever tier it comes from; then, while the resource's own
   * TTL has not run out since the event, answered while Stripe is asked in the background
   * (stale-while-revalidate), so a reader does not wait on Stripe every few seconds for the object
   * it reads most. The copy is the newest version the edge knows; the background answer confirms or
   * replaces it, and a change in between is dropped by its own event.
   */
  static CacheDecision.Cacheable copyRule(CacheDecision.Cacheable rule) {
    Duration fresh = rule.ttl().compareTo(EVENT_COPY_TTL) < 0 ? rule.ttl() : EVENT_COPY_TTL;
    Duration rest = rule.ttl().minus(fresh);
    Duration revalidating = rest.compareTo(EVENT_COPY_TTL) < 0 ? rest : EVENT_COPY_TTL;
    return new CacheDecision.Cacheable(
        fresh,
        rule.staleWhileRevalidate().compareTo(revalidating) > 0
            ? rule.staleWhileRevalidate()
            : revalidating,
        rule.staleIfError());
  }

  /** Records {@code change} as applied and orders it against the newest applied before. */
  private Order order(ObjectChange change) {
    String id = change.objectId();
    boolean[] newest = new boolean[1];
    boolean[] followsTie = new boolean[1];
    newestChange
        .asMap()
        .compute(
            id,
            (k, applied) -> {
              long second = change.changedAtSeconds();
              if (applied != null && applied == second) {
                // A tie: two changes in one second. Copied only when previous_attributes show
                // this one follows the one applied; otherwise neither is, and Stripe is asked.
                ObjectChange before = lastChange.getIfPresent(id);
                followsTie[0] =
                    before != null
                        && before.changedAtSeconds() == second
                        && ChangeOrder.follows(change, before);
                metrics.eventTie(followsTie[0]);
              }
              newest[0] = applied == null || applied < second || followsTie[0];
              if (newest[0]) {
                lastChange.put(id, change);
              } else if (applied == second) {
                lastChange.invalidate(id); // ambiguous: a third event here cannot be ordered
              }
              return applied == null ? second : Math.max(applied, second);
            });
    return new Order(newest[0], followsTie[0]);
  }

  /** Puts the entry's replacement back in memory; returns it, or null when none was stored. */
  private L0Cache.@Nullable Entry refill(
      L0Cache.FillToken token,
      L0Cache.Entry entry,
      EventCopyRule.Verdict verdict,
      ObjectChange change) {
    CacheDecision.Cacheable shortened = copyRule(entry.rule());
    switch (verdict) {
      case COPY -> {
        String id = change.objectId();
        Map<String, List<String>> headers = new LinkedHashMap<>(entry.response().headers());
        headers.remove("request-id");
        headers.remove("content-length");
        L0Cache.Entry copy =
            l0.fillEntry(
                token,
                entry.key(),
                new EdgeResponse(200, headers, change.objectJson()),
                Set.of(
                    id,
                    new Dependency.RetrieveOf(id).key(),
                    new EventCopyRule.Mark(change.changedAtSeconds()).key()),
                shortened,
                0);
        if (copy != null) {
          metrics.refreshedFromEvent();
        }
        return copy;
      }
      case KEEP -> {
        return l0.fillEntry(token, entry.key(), entry.response(), entry.ids(), shortened, 0);
      }
      case DROP -> {
        // Invalidated already; the next read asks Stripe.
        return null;
      }
    }
    return null;
  }
}
