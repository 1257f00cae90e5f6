package dev.stripeedge.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stripeedge.core.Attempt;
import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.CacheRule;
import dev.stripeedge.core.CachedRetrieve;
import dev.stripeedge.core.Dependency;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.IdempotencyConfig;
import dev.stripeedge.core.IdempotencyKeys;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.RetryConfig;
import dev.stripeedge.core.RetryDecision;
import dev.stripeedge.core.RetryRule;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.SideEffectRule;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.SizingReport;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.UpstreamException;
import dev.stripeedge.core.budget.Admission;
import dev.stripeedge.core.budget.Budget;
import dev.stripeedge.core.budget.Permit;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/** {@link EdgePipeline#builder}'s product. Thread-safe; never blocks. */
public final class DefaultEdgePipeline implements EdgePipeline {

  private static final System.Logger log = System.getLogger(DefaultEdgePipeline.class.getName());
  private static final String CACHE = "stripe-edge";

  /** Request header asking a list to store its objects as their retrieves: {@code objects}. */
  static final String WARM_HEADER = EdgeHeaders.WARM;

  /** Response header of the budget's own refusals. */
  private static final String REFUSED_HEADER = EdgeHeaders.REFUSED;

  /** Response header: how many objects a warming list stored. */
  static final String WARMED_HEADER = EdgeHeaders.WARMED;

  /**
   * Response header on an unkeyed write: {@code reused} (sent under the key of an earlier identical
   * write whose outcome was ambiguous), {@code remembered; for=<seconds>} (this one's outcome is
   * ambiguous: the same write within that time reuses its key), or both.
   */
  static final String IDEMPOTENCY_HEADER = EdgeHeaders.IDEMPOTENCY;

  // Pseudo id indexing the plain retrieve (no query) of an object: what an event's copy can
  // refresh.
  private static final String RETRIEVE = "retrieve:";

  // Pseudo id of an event's copy: "changed-at:<second>", the event second its body shows.
  private static final String CHANGED_AT = "changed-at:";

  // A fill from Stripe must have been stored this long before an event's second for the event's
  // copy to replace it: the edge's clock and Stripe's may differ by this much (NTP keeps them far
  // closer; a wrong guess costs at most EVENT_COPY_TTL of an older copy).
  private static final long CLOCK_TOLERANCE_MILLIS = 500;

  // How long an event's copy answers before a refresh from Stripe confirms it: two changes within
  // one second, one of them delivered late or never, would otherwise leave the older one cached.
  private static final Duration EVENT_COPY_TTL = Duration.ofSeconds(5);

  private final Upstream upstream;
  private final CacheRule cacheRule;
  private final CacheKeys keys;
  private final RetryConfig retryConfig;
  private final RetryRule retryRule;
  private final RandomGenerator random;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final Duration attemptTimeout;
  private final L0Cache l0;
  private final EdgeMetrics metrics;
  private final Budget budget;
  private final TierChain tiers;
  private final UnkeyedWrites unkeyedWrites;
  private final ConcurrentHashMap<CacheKey, Flight> flights = new ConcurrentHashMap<>();
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
  private final Clock clock;
  // Negative caching of a retrieve's 404 resource_missing; null when off (the default).
  private final CacheDecision.@Nullable Cacheable notFoundRule;
  private final long maxBytes;
  private final SizingConfig sizingConfig;
  private final List<String> tierNames;
  private final @Nullable SizingProbe memorySizing;
  // The first tier below memory: it sees memory's misses (deeper tiers are not estimated).
  private final @Nullable SizingProbe tierSizing;

  public DefaultEdgePipeline(
      Upstream upstream,
      CacheRule cacheRule,
      long maxBytes,
      Duration notFoundTtl,
      CacheKeys keys,
      RetryConfig retryConfig,
      RetryRule retryRule,
      RandomGenerator random,
      Ticker ticker,
      Scheduler scheduler,
      MeterRegistry meters,
      Duration attemptTimeout,
      Budget budget,
      List<Map.Entry<CacheTier, TierConfig>> tiers,
      Clock clock,
      SizingConfig sizingConfig,
      IdempotencyConfig idempotencyConfig) {
    this.upstream = upstream;
    this.unkeyedWrites = new UnkeyedWrites(idempotencyConfig, ticker);
    this.cacheRule = cacheRule;
    this.keys = keys;
    this.retryConfig = retryConfig;
    this.retryRule = retryRule;
    this.random = random;
    this.ticker = ticker;
    this.clock = clock;
    this.scheduler = scheduler;
    this.attemptTimeout = attemptTimeout;
    this.budget = budget;
    this.l0 = new L0Cache(maxBytes, ticker);
    this.notFoundRule =
        notFoundTtl.isZero()
            ? null
            : new CacheDecision.Cacheable(notFoundTtl, Duration.ZERO, Duration.ZERO);
    this.metrics = new EdgeMetrics(meters, l0::bytes);
    this.maxBytes = maxBytes;
    this.sizingConfig = sizingConfig;
    this.tierNames = tiers.stream().map(tier -> tier.getKey().name()).toList();
    this.memorySizing =
        sizingConfig.enabled()
            ? new SizingProbe("memory", sizingConfig, maxBytes, SizingProbe.MEMORY, meters)
            : null;
    this.tierSizing =
        sizingConfig.enabled() && !tierNames.isEmpty()
            ? new SizingProbe(
                tierNames.get(0),
                sizingConfig,
                sizingConfig.tierBytes().getOrDefault(tierNames.get(0), 0L),
                SizingProbe.TIER,
                meters)
            : null;
    this.tiers = new TierChain(tiers, clock, ticker, meters);
    // Another edge's write, heard through a shared tier, drops the ids from this edge's memory.
    this.tiers.onRemoteInvalidation(ids -> ids.forEach(l0::invalidate));
    // Invalidations published while a shared tier could not hear them are lost: memory starts over.
    this.tiers.onBroadcastGap(l0::invalidateAll);
  }

  /**
   * What the upstream exchange (all attempts) produced.
   *
   * @param response the last answer, or null when there was none
   * @param failure why there was no answer, or null
   * @param attempts attempts made
   * @param upstreamNanos time spent waiting on upstream, delays excluded
   * @param queueNanos time spent waiting for budget before attempts
   */
  record Exchange(
      @Nullable EdgeResponse response,
      @Nullable Throwable failure,
      int attempts,
      long upstreamNanos,
      long queueNanos) {

    boolean failed() {
      return response == null || response.status() >= 500;
    }
  }

  /**
   * A miss in flight that later misses for the same key may join.
   *
   * @param token taken before the upstream call
   * @param result the exchange and whether its response was stored
   */
  record Flight(L0Cache.FillToken token, CompletableFuture<Filled> result) {}

  record Filled(Exchange exchange, boolean stored) {}

  /**
   * An entry too old to answer unasked, kept in case upstream fails (stale-if-error).
   *
   * @param response its response
   * @param fetchedAtNanos ticker time of its fetch
   */
  record Fallback(EdgeResponse response, long fetchedAtNanos) {}

  @Override
  public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
    long start = ticker.nanos();
    Route route = StripeRoutes.classify(request.path());
    try {
      if (warmRequested(request, route)) {
        return forwardAndWarm(request, route, start);
      }
      CacheDecision decision = cacheRule.decide(request, route);
      if (decision instanceof CacheDecision.Cacheable cacheable && ApiKeys.of(request) != null) {
        return cached(request, route, cacheable, start);
      }
      String reason =
          decision instanceof CacheDecision.Bypass bypass ? bypass.reason() : "no-api-key";
      return forward(request, route, reason, start);
    } catch (RuntimeException e) {
      // A bug must still answer like Stripe would, and never with a stack trace.
      log.log(System.Logger.Level.ERROR, "edge pipeline failed for " + request, e);
      return CompletableFuture.completedFuture(
          finish(
              route,
              request,
              StripeErrors.response(500, "api_error", "The edge failed to handle the request."),
              CACHE + "; fwd=bypass",
              start,
              0,
              null,
              null,
              "bypass"));
    }
  }

  @Override
  public void invalidate(String objectId) {
    invalidate(List.of(objectId));
  }

  @Override
  public CompletableFuture<Boolean> invalidateAcknowledged(Collection<String> objectIds) {
    return invalidate(List.copyOf(objectIds));
  }

  /**
   * Drops {@code ids} everywhere. The tiers' part first: it records the invalidation time that
   * refuses tier hits fetched before it, so no hit can slip into L0 between the two.
   *
   * @return true once every tier acknowledged (memory's part is done on return)
   */
  private CompletableFuture<Boolean> invalidate(Collection<String> ids) {
    CompletableFuture<Boolean> tiered =
        tiers.isEmpty() ? CompletableFuture.completedFuture(true) : tiers.invalidate(ids);
    ids.forEach(l0::invalidate);
    return tiered;
  }

  @Override
  public void refresh(ObjectChange change) {
    refreshAcknowledged(change);
  }

  @Override
  public CompletableFuture<Boolean> refreshAcknowledged(ObjectChange change) {
    String id = change.objectId();
    long now = ticker.nanos();
    long nowMillis = clock.millis();
    String type = ObjectIds.typeOf(change.objectJson());
    List<L0Cache.Entry> held = new ArrayList<>();
    for (L0Cache.Entry entry : l0.holding(RETRIEVE + id)) {
      if (entry.response().status() == 200
          && change.apiVersion().equals(entry.response().header("stripe-version"))
          && sameSubject(entry, change.account(), type)) {
        held.add(entry);
      }
    }
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
    Map<L0Cache.Entry, Verdict> verdicts = new LinkedHashMap<>();
    for (L0Cache.Entry entry : held) {
      verdicts.put(
          entry,
          verdict(entry, change, nowMillis - entry.ageNanos(now) / 1_000_000, followsTie[0]));
    }
    CompletableFuture<Boolean> invalidated = invalidate(List.of(id));
    if (!newest[0] || verdicts.isEmpty()) {
      return invalidated;
    }
    // Taken after the invalidation: a write or event landing from here on refuses these fills.
    L0Cache.FillToken token = l0.beginFill();
    verdicts.forEach(
        (entry, verdict) -> {
          CacheDecision.Cacheable rule = entry.rule();
          CacheDecision.Cacheable shortened =
              new CacheDecision.Cacheable(
                  rule.ttl().compareTo(EVENT_COPY_TTL) < 0 ? rule.ttl() : EVENT_COPY_TTL,
                  rule.staleWhileRevalidate(),
                  rule.staleIfError());
          switch (verdict) {
            case COPY -> {
              Map<String, List<String>> headers = new LinkedHashMap<>(entry.response().headers());
              headers.remove("request-id");
              headers.remove("content-length");
              if (l0.fill(
                  token,
                  entry.key(),
                  new EdgeResponse(200, headers, change.objectJson()),
                  Set.of(id, RETRIEVE + id, CHANGED_AT + change.changedAtSeconds()),
                  shortened)) {
                metrics.refreshedFromEvent();
              }
            }
            case KEEP -> l0.fill(token, entry.key(), entry.response(), entry.ids(), shortened);
            case DROP -> {
              // Invalidated above; the next read asks Stripe.
            }
          }
        });
    return invalidated;
  }

  /**
   * Whether {@code entry} was cached for {@code account} (null: the platform's own) and holds an
   * object of {@code type}. An event about another account or another type of object (a mistake, or
   * a signed event naming someone else's id) may invalidate the entry but never replace it.
   */
  private static boolean sameSubject(
      L0Cache.Entry entry, @Nullable String account, @Nullable String type) {
    String cachedFor = HmacCacheKeys.accountOf(entry.key());
    return cachedFor != null
        && cachedFor.equals(account == null ? "" : account)
        && type != null
        && type.equals(ObjectIds.typeOf(entry.response().body()));
  }

  /** What an event does to a cached plain retrieve of its object. */
  private enum Verdict {
    /** The entry predates the event: the event's copy replaces it. */
    COPY,
    /** Stripe answered the entry after the event's second: it already shows the change. */
    KEEP,
    /** Which came first cannot be told: drop it. */
    DROP
  }

  /**
   * Judges {@code entry} against {@code change} on Stripe's clock where it can: an earlier event's
   * copy by its event second (or, in the same second, when {@code followsTie}: {@code change} was
   * shown to follow the event applied last); Stripe's answer by its {@code Date} (dated in the
   * event's second or before: copy, since a second change within that second is the one case no
   * rule can see and the copy lives only {@link #EVENT_COPY_TTL}; dated after: keep). Without a
   * date, by our own clock: stored before the event's second began, give or take the clocks'
   * difference.
   */
  private static Verdict verdict(
      L0Cache.Entry entry, ObjectChange change, long storedAtMillis, boolean followsTie) {
    for (String id : entry.ids()) {
      if (id.startsWith(CHANGED_AT)) {
        long copied = Long.parseLong(id.substring(CHANGED_AT.length()));
        return copied < change.changedAtSeconds()
                || (copied == change.changedAtSeconds() && followsTie)
            ? Verdict.COPY
            : Verdict.DROP;
      }
    }
    String date = entry.response().header("date");
    if (date != null) {
      try {
        long dated =
            ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        return dated <= change.changedAtSeconds() ? Verdict.COPY : Verdict.KEEP;
      } catch (DateTimeParseException e) {
        // Not a date Stripe would send: judge by our own clock below.
      }
    }
    return storedAtMillis + CLOCK_TOLERANCE_MILLIS < change.changedAtSeconds() * 1000
        ? Verdict.COPY
        : Verdict.DROP;
  }

  @Override
  public List<CachedRetrieve> auditSample(String apiKey, int max) {
    if (max < 1 || apiKey.isBlank()) {
      throw new IllegalArgumentException("auditSample needs an API key and a positive size");
    }
    long now = ticker.nanos();
    // Reservoir sampling: every eligible entry has the same chance, in one pass over a snapshot.
    List<CachedRetrieve> sample = new ArrayList<>(max);
    int eligible = 0;
    for (L0Cache.Entry entry : l0.entries()) {
      if (entry.response().status() != 200 || entry.ageNanos(now) >= entry.rule().ttl().toNanos()) {
        continue; // only what a read would be answered with now
      }
      String objectId = retrievedId(entry);
      if (objectId == null) {
        continue;
      }
      EdgeRequest retrieve = HmacCacheKeys.plainGetOf(entry.key(), apiKey);
      if (retrieve == null || !keys.keyFor(retrieve).equals(entry.key())) {
        continue; // cached under another API key (or not a plain retrieve's key)
      }
      eligible++;
      CachedRetrieve candidate = new CachedRetrieve(objectId, retrieve, entry.response());
      if (sample.size() < max) {
        sample.add(candidate);
      } else {
        int slot = random.nextInt(eligible);
        if (slot < max) {
          sample.set(slot, candidate);
        }
      }
    }
    return sample;
  }

  /** The object whose plain retrieve {@code entry} is, or null. */
  private static @Nullable String retrievedId(L0Cache.Entry entry) {
    for (String id : entry.ids()) {
      if (id.startsWith(RETRIEVE)) {
        return id.substring(RETRIEVE.length());
      }
    }
    return null;
  }

  @Override
  public long cachedBytes() {
    return l0.bytes();
  }

  @Override
  public SizingReport sizing() {
    SizingProbe memory = memorySizing;
    if (memory == null) {
      return SizingReport.empty(maxBytes);
    }
    List<SizingReport.Tier> below = new ArrayList<>();
    for (int i = 0; i < tierNames.size(); i++) {
      String name = tierNames.get(i);
      SizingProbe first = tierSizing;
      below.add(
          i == 0 && first != null
              ? first.report()
              : SizingReport.Tier.unestimated(
                  name, sizingConfig.tierBytes().getOrDefault(name, 0L)));
    }
    return new SizingReport(memory.report(), below);
  }

  /** What a lookup went through, for sizing: the memory entry that answered, the tiers asked. */
  private static final class Trail {
    L0Cache.@Nullable Entry memoryHit;
    boolean askedTiers;
  }

  /** A cacheable request: looked up, and counted as a reference of its key for sizing. */
  private CompletableFuture<EdgeResponse> cached(
      EdgeRequest request, Route route, CacheDecision.Cacheable rule, long start) {
    CacheKey key = keys.keyFor(request);
    Trail trail = new Trail();
    CompletableFuture<EdgeResponse> answer = lookup(key, request, route, rule, start, trail);
    if (memorySizing == null) {
      return answer;
    }
    // A hit is answered already: counted inline, without another stage on the hit path.
    EdgeResponse done = answer.getNow(null);
    if (done != null) {
      sized(key, done, trail, route, request, rule, start);
      return answer;
    }
    return answer.thenApply(
        response -> {
          sized(key, response, trail, route, request, rule, start);
          return response;
        });
  }

  /**
   * Counts an answered reference in memory's stream and, if it asked them, the tiers'. Only a
   * sampled key's reference is weighed (for a memory hit, by its entry).
   */
  private void sized(
      CacheKey key,
      EdgeResponse answer,
      Trail trail,
      Route route,
      EdgeRequest request,
      CacheDecision.Cacheable rule,
      long start) {
    SizingProbe memory = memorySizing;
    if (memory == null) {
      return;
    }
    try {
      long hash = SizingProbe.hash(key);
      long fresh = rule.ttl().toNanos();
      L0Cache.Entry entry = trail.memoryHit;
      if (memory.count(hash, answer, entry != null)) {
        long bytes =
            entry != null
                ? entry.weight()
                : SizingProbe.MEMORY.weigh(key, answer, watched(route, request));
        memory.sample(hash, bytes, start, fresh);
      }
      SizingProbe tier = tierSizing;
      if (tier != null && trail.askedTiers) {
        boolean hit =
            (CACHE + "; hit; detail=" + tierNames.get(0)).equals(answer.header("cache-status"));
        if (tier.count(hash, answer, hit)) {
          tier.sample(
              hash, SizingProbe.TIER.weigh(key, answer, watched(route, request)), start, fresh);
        }
      }
    } catch (RuntimeException e) {
      // Sizing is advice: a bug in it must never cost the answer.
      log.log(System.Logger.Level.ERROR, "sizing failed for " + key, e);
    }
  }

  private CompletableFuture<EdgeResponse> lookup(
      CacheKey key,
      EdgeRequest request,
      Route route,
      CacheDecision.Cacheable rule,
      long start,
      Trail trail) {
    L0Cache.Entry entry = l0.get(key);
    long looked = ticker.nanos();
    long cacheNanos = looked - start;
    if (entry != null) {
      long age = entry.ageNanos(looked);
      // The entry's own lifetime bounds it too: an event's copy was stored for seconds only.
      // (In nanoseconds, not narrowedTo: this is every memory hit, and that allocates.)
      long ttl = Math.min(rule.ttl().toNanos(), entry.rule().ttl().toNanos());
      if (age < ttl) {
        trail.memoryHit = entry;
        return CompletableFuture.completedFuture(
            finish(
                route,
                request,
                entry.response(),
                CACHE + "; hit",
                start,
                cacheNanos,
                null,
                null,
                "hit"));
      }
      if (age
          < ttl
              + Math.min(
                  rule.staleWhileRevalidate().toNanos(),
                  entry.rule().staleWhileRevalidate().toNanos())) {
        flight(key, request, route, rule); // refresh in the background, answer now
        return CompletableFuture.completedFuture(
            finish(
                route,
                request,
                entry.response(),
                CACHE + "; hit; detail=stale-while-revalidate",
                start,
                cacheNanos,
                null,
                null,
                "stale"));
      }
    }
    Fallback fallback =
        entry == null ? null : new Fallback(entry.response(), entry.storedAtNanos());
    if (tiers.isEmpty()) {
      return miss(key, request, route, rule, start, cacheNanos, fallback, null);
    }
    // Taken before the lookup: a hit is promoted to L0 only if nothing it holds changed since.
    L0Cache.FillToken token = l0.beginFill();
    trail.askedTiers = true;
    return tiers
        .lookup(key.value())
        .thenCompose(
            lookup -> {
              try {
                return fromTiers(
                    key, request, route, rule, start, cacheNanos, fallback, token, lookup);
              } catch (RuntimeException e) {
                // A bug in the tier path must not fail the request: upstream still answers.
                log.log(System.Logger.Level.ERROR, "tier lookup failed for " + key, e);
                return miss(key, request, route, rule, start, cacheNanos, fallback, null);
              }
            });
  }

  /** Answers from a tier's hit when its age allows, or goes upstream. */
  private CompletableFuture<EdgeResponse> fromTiers(
      CacheKey key,
      EdgeRequest request,
      Route route,
      CacheDecision.Cacheable rule,
      long start,
      long cacheNanos,
      @Nullable Fallback fallback,
      L0Cache.FillToken token,
      TierChain.Lookup lookup) {
    TierChain.Hit hit = lookup.hit();
    String timing =
        "tier;dur=" + millis(lookup.nanos()) + (hit == null ? "" : ";desc=\"" + hit.tier() + "\"");
    if (hit == null) {
      return miss(key, request, route, rule, start, cacheNanos, fallback, timing);
    }
    // The request's rule judges the age, from the fetch: as for an L0 entry.
    long ageNanos = Math.max(0, tiers.nowMillis() - hit.entry().fetchStartedMillis()) * 1_000_000L;
    long ttl = rule.ttl().toNanos();
    if (ageNanos < ttl + rule.staleWhileRevalidate().toNanos()) {
      l0.fillEntry(token, key, hit.response(), hit.entry().ids(), rule, ageNanos);
      tiers.promote(hit);
      if (ageNanos < ttl) {
        return CompletableFuture.completedFuture(
            finish(
                route,
                request,
                hit.response(),
                CACHE + "; hit; detail=" + hit.tier(),
                start,
                cacheNanos,
                timing,
                null,
                "tier"));
      }
      flight(key, request, route, rule);
      return CompletableFuture.completedFuture(
          finish(
              route,
              request,
              hit.response(),
              CACHE + "; hit; detail=stale-while-revalidate",
              start,
              cacheNanos,
              timing,
              null,
              "stale"));
    }
    Fallback older = new Fallback(hit.response(), ticker.nanos() - ageNanos);
    Fallback newer =
        fallback == null || fallback.fetchedAtNanos() - older.fetchedAtNanos() < 0
            ? older
            : fallback;
    return miss(key, request, route, rule, start, cacheNanos, newer, timing);
  }

  /** Goes upstream (joining a flight in progress); a failure may answer with the fallback. */
  private CompletableFuture<EdgeResponse> miss(
      CacheKey key,
      EdgeRequest request,
      Route route,
      CacheDecision.Cacheable rule,
      long start,
      long cacheNanos,
      @Nullable Fallback fallback,
      @Nullable String tierTiming) {
    boolean[] joined = new boolean[1];
    Flight flight = flight(key, request, route, rule, joined);
    return flight
        .result()
        .thenApply(
            filled -> {
              Exchange exchange = filled.exchange();
              if (exchange.failed()
                  && fallback != null
                  && ticker.nanos() - fallback.fetchedAtNanos()
                      < rule.ttl().plus(rule.staleIfError()).toNanos()) {
                return finish(
                    route,
                    request,
                    fallback.response(),
                    CACHE + "; hit; detail=stale-if-error",
                    start,
                    cacheNanos,
                    tierTiming,
                    exchange,
                    "stale");
              }
              String status =
                  CACHE
                      + "; fwd=miss"
                      + (exchange.response() != null
                          ? "; fwd-status=" + exchange.response().status()
                          : "")
                      + (joined[0] ? "; collapsed" : "")
                      + (filled.stored() ? "; stored" : "");
              return finish(
                  route,
                  request,
                  answer(exchange),
                  status,
                  start,
                  cacheNanos,
                  tierTiming,
                  exchange,
                  "miss");
            });
  }

  private Flight flight(
      CacheKey key, EdgeRequest request, Route route, CacheDecision.Cacheable rule) {
    return flight(key, request, route, rule, new boolean[1]);
  }

  /**
   * Joins the miss in flight for {@code key}, or starts one. A flight that started before any
   * invalidation is not joined: its answer may predate a write this request must see.
   */
  private Flight flight(
      CacheKey key,
      EdgeRequest request,
      Route route,
      CacheDecision.Cacheable rule,
      boolean[] joined) {
    Flight mine = new Flight(l0.beginFill(), new CompletableFuture<>());
    // Wall clock at the start of the fetch: the tiers refuse the fill if an id it holds was
    // invalidated from then on.
    long fetchStartedMillis = tiers.isEmpty() ? 0 : tiers.nowMillis();
    Flight chosen =
        flights.compute(
            key,
            (k, current) ->
                current != null && !l0.invalidatedSince(current.token()) ? current : mine);
    if (chosen != mine) {
      joined[0] = true;
      return chosen;
    }
    exchange(request, route)
        .whenComplete(
            (exchange, bug) -> {
              boolean stored = false;
              try {
                CacheDecision.Cacheable storedUnder =
                    exchange == null ? null : storableUnder(exchange.response(), route, rule);
                if (storedUnder != null && exchange != null && exchange.response() != null) {
                  L0Cache.Entry entry =
                      l0.fillEntry(
                          mine.token(),
                          key,
                          exchange.response(),
                          watched(route, request),
                          storedUnder,
                          0);
                  stored = entry != null;
                  if (entry != null && !tiers.isEmpty()) {
                    writeThrough(entry, fetchStartedMillis, storedUnder);
                  }
                }
              } catch (RuntimeException e) {
                log.log(System.Logger.Level.ERROR, "cache fill failed for " + key, e);
              } finally {
                flights.remove(key, mine);
              }
              if (bug != null) {
                mine.result().complete(new Filled(new Exchange(null, bug, 0, 0, 0), false));
              } else {
                mine.result().complete(new Filled(exchange, stored));
              }
            });
    return mine;
  }

  /** Sends a fill to every tier (in the background: the answer never waits for it). */
  private void writeThrough(
      L0Cache.Entry entry, long fetchStartedMillis, CacheDecision.Cacheable rule) {
    tiers.writeThrough(
        new TierEntry(
            entry.key().value(),
            ResponseCodec.encode(entry.response()),
            entry.ids(),
            fetchStartedMillis,
            fetchStartedMillis + rule.retention().toMillis()),
        rule.retention());
  }

  /**
   * The rule an upstream answer is stored under: the request's for a 200; the short negative rule
   * for a retrieve's {@code 404 resource_missing} when negative caching is on; otherwise none.
   */
  private CacheDecision.@Nullable Cacheable storableUnder(
      @Nullable EdgeResponse response, Route route, CacheDecision.Cacheable rule) {
    if (response == null) {
      return null;
    }
    if (response.status() == 200) {
      return rule;
    }
    if (response.status() == 404
        && notFoundRule != null
        && route.kind() == Route.Kind.OBJECT
        && StripeErrors.code(response.body()).equals("resource_missing")) {
      return notFoundRule;
    }
    return null;
  }

  /** Ids a read's entry depends on besides those in its body. */
  private static Set<String> watched(Route route, EdgeRequest request) {
    Set<String> ids = new LinkedHashSet<>(route.pathIds());
    if (route.kind() == Route.Kind.OBJECT
        && request.rawQuery().isEmpty()
        && !route.pathIds().isEmpty()) {
      ids.add(RETRIEVE + route.pathIds().get(route.pathIds().size() - 1));
    }
    if (route.kind() != Route.Kind.OBJECT
        && route.kind() != Route.Kind.NESTED_OBJECT
        && route.kind() != Route.Kind.SINGLETON) {
      // A list changes when anything under its collection is created, updated or deleted.
      ids.add(new Dependency.ListOf(route.collectionPath()).key());
    }
    return ids;
  }

  private CompletableFuture<EdgeResponse> forward(
      EdgeRequest request, Route route, String reason, long start) {
    // An unkeyed write repeating one whose outcome was ambiguous goes under that one's key.
    String fingerprint =
        unkeyedWrites.covers(request)
            ? UnkeyedWrites.fingerprint(keys.keyFor(request), request)
            : null;
    String reused = fingerprint == null ? null : unkeyedWrites.recall(fingerprint);
    EdgeRequest sent =
        reused != null
            ? request.withHeader(IdempotencyKeys.HEADER, reused)
            : IdempotencyKeys.ensure(request, random);
    return exchange(sent, route)
        .thenApply(
            exchange -> {
              if (!sent.method().equals("GET") && !sent.method().equals("HEAD")) {
                invalidateAfterWrite(sent, route, exchange);
              }
              EdgeResponse response = answer(exchange);
              String key = sent.header(IdempotencyKeys.HEADER);
              if (key != null && sent.method().equals("POST")) {
                response = response.withHeader(IdempotencyKeys.HEADER, key);
              }
              if (fingerprint != null && key != null) {
                response = unkeyedAnswer(fingerprint, key, reused != null, exchange, response);
              }
              return finish(
                  route,
                  request,
                  response,
                  CACHE + "; fwd=bypass; detail=" + reason,
                  start,
                  0,
                  null,
                  exchange,
                  "bypass");
            });
  }

  /**
   * Settles an unkeyed write's key by its outcome ({@link UnkeyedWrites#outcome}) and tells the
   * client in {@value #IDEMPOTENCY_HEADER}; when the edge itself answers (a timeout, a lost
   * connection) its message says so too, since that is where a person reads.
   */
  private EdgeResponse unkeyedAnswer(
      String fingerprint, String key, boolean reused, Exchange exchange, EdgeResponse response) {
    EdgeResponse upstreamAnswer = exchange.response();
    UnkeyedWrites.Outcome outcome =
        UnkeyedWrites.outcome(upstreamAnswer == null ? null : upstreamAnswer.status());
    boolean remembered = unkeyedWrites.settle(fingerprint, key, outcome);
    if (!remembered) {
      return reused ? response.withHeader(IDEMPOTENCY_HEADER, "reused") : response;
    }
    long seconds = unkeyedWrites.config().rememberFor().toSeconds();
    // Only the edge's own timeout or connection error is rebuilt: upstream's body stays as sent.
    EdgeResponse told =
        upstreamAnswer != null || !(exchange.failure() instanceof UpstreamException)
            ? response
            : answer(
                    exchange,
                    " Stripe may have applied it: the edge keeps its Idempotency-Key ("
                        + key
                        + ") for "
                        + seconds
                        + " s, and the same request again (same API key, account, path and"
                        + " parameters) reuses it, so it is applied at most once.")
                .withHeader(IdempotencyKeys.HEADER, key);
    return told.withHeader(
        IDEMPOTENCY_HEADER, (reused ? "reused, " : "") + "remembered; for=" + seconds);
  }

  /**
   * A list asking, with {@code Stripe-Edge-Warm: objects}, that its objects be stored as their
   * retrieves. Only without {@code expand}: an expanded item is not what a plain retrieve answers.
   * Judged on the decoded parameters, as Stripe reads them: {@code %65xpand[]} expands too.
   */
  private static boolean warmRequested(EdgeRequest request, Route route) {
    return request.method().equals("GET")
        && route.kind() == Route.Kind.COLLECTION
        && "objects".equals(request.header(WARM_HEADER))
        && ApiKeys.of(request) != null
        && !FormCodec.expands(request.rawQuery());
  }

  /**
   * Forwards a list and stores each object it holds under the key of its own retrieve, as a fill
   * would (race-safe from the list's start, written through to the tiers). {@code
   * Stripe-Edge-Warmed} says how many were stored.
   */
  private CompletableFuture<EdgeResponse> forwardAndWarm(
      EdgeRequest request, Route route, long start) {
    L0Cache.FillToken token = l0.beginFill();
    long fetchStartedMillis = tiers.nowMillis();
    return exchange(request, route)
        .thenApply(
            exchange -> {
              int warmed = 0;
              if (exchange.response() != null && exchange.response().status() == 200) {
                warmed = storeItems(request, exchange.response(), token, fetchStartedMillis);
              }
              return finish(
                  route,
                  request,
                  answer(exchange).withHeader(WARMED_HEADER, Integer.toString(warmed)),
                  CACHE + "; fwd=bypass; detail=warm",
                  start,
                  0,
                  null,
                  exchange,
                  "bypass");
            });
  }

  private int storeItems(
      EdgeRequest list, EdgeResponse response, L0Cache.FillToken token, long fetchStartedMillis) {
    Map<String, List<String>> headers = new LinkedHashMap<>(response.headers());
    headers.remove("request-id");
    headers.remove("content-length");
    Map<String, List<String>> retrieveHeaders = new LinkedHashMap<>();
    for (String name :
        List.of("authorization", "stripe-account", "stripe-context", "stripe-version")) {
      List<String> values = list.headers().get(name);
      if (values != null) {
        retrieveHeaders.put(name, values);
      }
    }
    int stored = 0;
    for (ListItems.Item item : ListItems.of(response.body())) {
      EdgeRequest retrieve =
          new EdgeRequest("GET", list.path() + "/" + item.id(), "", retrieveHeaders, new byte[0]);
      Route route = StripeRoutes.classify(retrieve.path());
      if (route.kind() != Route.Kind.OBJECT && route.kind() != Route.Kind.NESTED_OBJECT) {
        continue;
      }
      if (!(cacheRule.decide(retrieve, route) instanceof CacheDecision.Cacheable rule)) {
        continue;
      }
      L0Cache.Entry entry =
          l0.fillEntry(
              token,
              keys.keyFor(retrieve),
              new EdgeResponse(200, headers, item.json()),
              watched(route, retrieve),
              rule,
              0);
      if (entry != null) {
        stored++;
        if (!tiers.isEmpty()) {
          writeThrough(entry, fetchStartedMillis, rule);
        }
      }
    }
    return stored;
  }

  /**
   * Drops what a write may have changed, as {@link SideEffectRule} decides from the route, the
   * request and Stripe's answer (nothing when Stripe refused it untouched).
   */
  private void invalidateAfterWrite(EdgeRequest request, Route route, Exchange exchange) {
    EdgeResponse response = exchange.response();
    // The budget's own 429: Stripe never saw this attempt; earlier ones it may have applied.
    boolean refused = response != null && response.header(REFUSED_HEADER) != null;
    if (refused && exchange.attempts() == 0) {
      return;
    }
    boolean fromStripe = response != null && !refused;
    Set<String> keys = new LinkedHashSet<>();
    for (Dependency dependency :
        SideEffectRule.affected(
            request.method(),
            route,
            request.body(),
            fromStripe && response != null ? response.status() : 0,
            fromStripe && response != null ? response.body() : new byte[0])) {
      keys.add(dependency.key());
    }
    if (!keys.isEmpty()) {
      invalidate(keys);
    }
  }

  /** All attempts of one request under the retry rule and the deadline. */
  private CompletableFuture<Exchange> exchange(EdgeRequest request, Route route) {
    Duration deadline = retryConfig.deadlineFor(request);
    long start = ticker.nanos();
    return attempt(request, route, 1, start, deadline, 0, 0);
  }

  /**
   * One attempt: budget first (retries pay too), then upstream. A refusal ends the exchange with
   * the budget's 429, which carries its own {@code Retry-After}.
   */
  private CompletableFuture<Exchange> attempt(
      EdgeRequest request,
      Route route,
      int number,
      long start,
      Duration deadline,
      long upstreamNanos,
      long queueNanos) {
    long asked = ticker.nanos();
    Duration left = deadline.minusNanos(asked - start);
    if (left.isNegative() || left.isZero()) {
      return CompletableFuture.completedFuture(
          new Exchange(null, deadlineFailure(request), number - 1, upstreamNanos, queueNanos));
    }
    return budget
        .admit(request, route, left)
        .thenCompose(
            admission ->
                switch (admission) {
                  case Admission.Refused refused ->
                      CompletableFuture.completedFuture(
                          new Exchange(
                              refused.response(),
                              null,
                              number - 1,
                              upstreamNanos,
                              queueNanos + (ticker.nanos() - asked)));
                  case Admission.Admitted admitted ->
                      send(
                          request,
                          route,
                          number,
                          start,
                          deadline,
                          upstreamNanos,
                          queueNanos + admitted.permit().queuedNanos(),
                          admitted.permit());
                });
  }

  private CompletableFuture<Exchange> send(
      EdgeRequest request,
      Route route,
      int number,
      long start,
      Duration deadline,
      long upstreamNanos,
      long queueNanos,
      Permit permit) {
    long began = ticker.nanos();
    Duration left = deadline.minusNanos(began - start);
    if (left.isNegative() || left.isZero()) {
      permit.release(null);
      return CompletableFuture.completedFuture(
          new Exchange(null, deadlineFailure(request), number - 1, upstreamNanos, queueNanos));
    }
    Duration timeout = left.compareTo(attemptTimeout) < 0 ? left : attemptTimeout;
    CompletableFuture<EdgeResponse> sent;
    try {
      sent = upstream.send(request, timeout);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    return sent.handle(
            (response, failure) -> {
              permit.release(response);
              long ended = ticker.nanos();
              Throwable cause = unwrap(failure);
              metrics.upstream(
                  tag(route), response != null ? outcome(response) : kind(cause), ended - began);
              long total = upstreamNanos + (ended - began);
              Attempt attempt =
                  new Attempt(
                      request,
                      number,
                      response,
                      response == null ? cause : null,
                      Duration.ofNanos(ended - start),
                      deadline);
              RetryDecision decision = retryRule.decide(attempt);
              Exchange exchange =
                  new Exchange(response, attempt.failure(), number, total, queueNanos);
              if (decision instanceof RetryDecision.Retry retry) {
                metrics.retry(tag(route));
                return scheduler
                    .after(retry.delay())
                    .thenCompose(
                        ignored ->
                            attempt(
                                request, route, number + 1, start, deadline, total, queueNanos));
              }
              return CompletableFuture.completedFuture(exchange);
            })
        .thenCompose(future -> future);
  }

  /** A bounded metric tag: a known endpoint's template, or {@code other} for any other path. */
  private static String tag(Route route) {
    return StripeRoutes.label(route);
  }

  private static String outcome(EdgeResponse response) {
    return Integer.toString(response.status());
  }

  private static String kind(@Nullable Throwable failure) {
    return failure instanceof UpstreamException upstream
        ? upstream.kind().name().toLowerCase(Locale.ROOT)
        : "error";
  }

  private static Throwable unwrap(@Nullable Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause == null ? new IllegalStateException("no failure") : cause;
  }

  private static UpstreamException deadlineFailure(EdgeRequest request) {
    return new UpstreamException(
        UpstreamException.Kind.TIMEOUT,
        "the deadline passed before " + request.method() + " " + request.path() + " completed",
        null);
  }

  /** The client's answer for an exchange: upstream's response, or a Stripe-shaped error. */
  private static EdgeResponse answer(Exchange exchange) {
    return answer(exchange, "");
  }

  /** {@link #answer(Exchange)}, with {@code note} ending the message of the edge's own error. */
  private static EdgeResponse answer(Exchange exchange, String note) {
    if (exchange.response() != null) {
      return exchange.response();
    }
    Throwable failure = exchange.failure();
    if (failure instanceof UpstreamException upstream) {
      return switch (upstream.kind()) {
        case TIMEOUT ->
            StripeErrors.response(
                504,
                "api_connection_error",
                "The Stripe API did not answer in time ("
                    + exchange.attempts()
                    + " attempts)."
                    + note);
        case CONNECT, RESET ->
            StripeErrors.response(
                502,
                "api_connection_error",
                "The edge could not reach the Stripe API ("
                    + exchange.attempts()
                    + " attempts)."
                    + note);
      };
    }
    log.log(System.Logger.Level.ERROR, "upstream call failed unexpectedly", failure);
    return StripeErrors.response(
        502,
        "api_connection_error",
        "The edge could not complete the call to the Stripe API." + note);
  }

  private EdgeResponse finish(
      Route route,
      EdgeRequest request,
      EdgeResponse response,
      String cacheStatus,
      long start,
      long cacheNanos,
      @Nullable String tierTiming,
      @Nullable Exchange exchange,
      String cacheResult) {
    StringBuilder timing = new StringBuilder(64);
    timing.append("cache;dur=").append(millis(cacheNanos));
    if (tierTiming != null) {
      timing.append(", ").append(tierTiming);
    }
    if (exchange != null) {
      timing.append(", queue;dur=").append(millis(exchange.queueNanos()));
      timing.append(", upstream;dur=").append(millis(exchange.upstreamNanos()));
      timing.append(", retries;desc=\"").append(Math.max(0, exchange.attempts() - 1)).append('"');
    }
    EdgeResponse answered =
        response.withHeaders(
            Map.of("Cache-Status", cacheStatus, "Server-Timing", timing.toString()));
    metrics.request(
        tag(route),
        StripeRoutes.methodLabel(request.method()),
        answered.status(),
        cacheResult,
        ticker.nanos() - start);
    return answered;
  }

  /** Milliseconds with three decimals, without String.format (a measurable cost per hit). */
  static String millis(long nanos) {
    long micros = Math.max(0, nanos) / 1_000;
    long fraction = micros % 1_000;
    StringBuilder out = new StringBuilder(12).append(micros / 1_000).append('.');
    if (fraction < 100) {
      out.append('0');
    }
    if (fraction < 10) {
      out.append('0');
    }
    return out.append(fraction).toString();
  }
}
