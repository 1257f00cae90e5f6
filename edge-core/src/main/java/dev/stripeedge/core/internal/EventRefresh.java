package dev.stripeedge.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.Dependency;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The stage that applies an event's copy of an object: drops the object everywhere, then puts the
 * copy (or the entry it confirms) back in memory where {@link EventCopyRule} allows. Thread-safe;
 * never blocks.
 */
final class EventRefresh {

  /**
   * How long an event's copy answers before a refresh from Stripe confirms it: two changes within
   * one second, one of them delivered late or never, would otherwise leave the older one cached.
   */
  private static final Duration EVENT_COPY_TTL = Duration.ofSeconds(5);

  private final L0Cache l0;
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
      L0Cache l0, Ticker ticker, Clock clock, EdgeMetrics metrics, Invalidation invalidation) {
    this.l0 = l0;
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
    CompletableFuture<Boolean> invalidated = invalidation.drop(List.of(id));
    if (!order.newest() || verdicts.isEmpty()) {
      return invalidated;
    }
    // Taken after the invalidation: a write or event landing from here on refuses these fills.
    L0Cache.FillToken token = l0.beginFill();
    verdicts.forEach((entry, verdict) -> refill(token, entry, verdict, change));
    return invalidated;
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

  private void refill(
      L0Cache.FillToken token,
      L0Cache.Entry entry,
      EventCopyRule.Verdict verdict,
      ObjectChange change) {
    CacheDecision.Cacheable rule = entry.rule();
    CacheDecision.Cacheable shortened =
        new CacheDecision.Cacheable(
            rule.ttl().compareTo(EVENT_COPY_TTL) < 0 ? rule.ttl() : EVENT_COPY_TTL,
            rule.staleWhileRevalidate(),
            rule.staleIfError());
    switch (verdict) {
      case COPY -> {
        String id = change.objectId();
        Map<String, List<String>> headers = new LinkedHashMap<>(entry.response().headers());
        headers.remove("request-id");
        headers.remove("content-length");
        if (l0.fill(
            token,
            entry.key(),
            new EdgeResponse(200, headers, change.objectJson()),
            Set.of(
                id,
                new Dependency.RetrieveOf(id).key(),
                new EventCopyRule.Mark(change.changedAtSeconds()).key()),
            shortened)) {
          metrics.refreshedFromEvent();
        }
      }
      case KEEP -> l0.fill(token, entry.key(), entry.response(), entry.ids(), shortened);
      case DROP -> {
        // Invalidated already; the next read asks Stripe.
      }
    }
  }
}
