package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.CacheRule;
import dev.stripeedge.core.CachedRetrieve;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.IdempotencyConfig;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.RetentionConfig;
import dev.stripeedge.core.RetryConfig;
import dev.stripeedge.core.RetryRule;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.SizingReport;
import dev.stripeedge.core.StreamHealth;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.budget.Budget;
import dev.stripeedge.core.isolation.Isolation;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * {@link EdgePipeline#builder}'s product: the orchestrator of the read path (memory, the tiers,
 * single flight, upstream) over stages that each do one job. Thread-safe; never blocks.
 *
 * <p>A request is classified by route and {@link CacheRule}; a warming list goes to {@link
 * Warming}, anything not looked up to {@link Forwarding}, and a cacheable read is looked up here:
 * memory first, then the tiers, then upstream through {@link SingleFlight} and {@link
 * UpstreamExchange}, stored by {@link CacheFill}. How old an entry may be is {@link Freshness}'s
 * call; every answer leaves through {@link Answers} with its {@link CacheStatus} and {@link
 * ServerTiming}.
 *
 * <p>Just over 400 lines, on purpose: a quarter is the constructor wiring the stages together, and
 * the read path's steps (memory, tiers, miss, single flight) stay in one place so that the order of
 * a read can be followed top to bottom; everything else is a one-line delegation.
 */
public final class DefaultEdgePipeline implements EdgePipeline {

  private static final System.Logger log = System.getLogger(DefaultEdgePipeline.class.getName());
  private static final CacheStatus STALE = new CacheStatus.Stale(false);
  private static final CacheStatus STALE_IF_ERROR = new CacheStatus.Stale(true);

  private final CacheRule cacheRule;
  private final CacheKeys keys;
  private final Ticker ticker;
  private final L0Cache l0;
  private final TierChain tiers;
  private final Answers answers;
  private final UpstreamExchange upstream;
  private final CacheFill fill;
  private final SingleFlight flights;
  private final Forwarding forwarding;
  private final Warming warming;
  private final EventRefresh events;
  private final AuditSampler audit;
  private final SizingTap sizing;
  private final @Nullable Isolation isolation;
  private final StreamHealth stream;

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
      IdempotencyConfig idempotencyConfig,
      @Nullable Isolation isolation,
      RetentionConfig retention,
      StreamHealth stream) {
    this.cacheRule = cacheRule;
    this.keys = keys;
    this.ticker = ticker;
    this.l0 = new L0Cache(maxBytes, ticker);
    EdgeMetrics metrics = new EdgeMetrics(meters, l0::bytes);
    this.tiers = new TierChain(tiers, clock, ticker, retention, meters);
    this.stream = stream;
    this.answers = new Answers(metrics, ticker);
    this.upstream =
        new UpstreamExchange(
            upstream,
            budget,
            retryConfig,
            retryRule,
            ticker,
            scheduler,
            attemptTimeout,
            metrics,
            isolation);
    this.isolation = isolation;
    this.fill = new CacheFill(l0, this.tiers, StoreRule.of(notFoundTtl));
    this.flights = new SingleFlight(l0);
    this.forwarding =
        new Forwarding(
            keys,
            random,
            new UnkeyedWrites(idempotencyConfig, ticker),
            this.upstream,
            answers,
            this::invalidate);
    this.warming = new Warming(l0, this.tiers, cacheRule, keys, fill, this.upstream, answers);
    this.events = new EventRefresh(l0, this.tiers, ticker, clock, metrics, this::invalidate);
    this.audit = new AuditSampler(l0, keys, ticker, random);
    this.sizing =
        new SizingTap(
            maxBytes,
            sizingConfig,
            tiers.stream().map(tier -> tier.getKey().name()).toList(),
            meters);
    // Another edge's write, heard through a shared tier, drops the ids from this edge's memory.
    this.tiers.onRemoteInvalidation(ids -> ids.forEach(l0::invalidate));
    // Invalidations published while a shared tier could not hear them are lost: memory starts over.
    this.tiers.onBroadcastGap(l0::invalidateAll);
  }

  /**
   * An entry too old to answer unasked, kept in case upstream fails (stale-if-error).
   *
   * @param response its response
   * @param fetchedAtNanos ticker time of its fetch
   */
  private record Fallback(EdgeResponse response, long fetchedAtNanos) {}

  @Override
  public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
    long start = ticker.nanos();
    Route route = StripeRoutes.classify(request.path());
    try {
      if (Warming.requested(request, route)) {
        return warming.forward(request, route, start);
      }
      CacheDecision decision = cacheRule.decide(request, route);
      if (decision instanceof CacheDecision.Cacheable cacheable && ApiKeys.of(request) != null) {
        return cached(request, route, cacheable, start);
      }
      String reason =
          decision instanceof CacheDecision.Bypass bypass ? bypass.reason() : "no-api-key";
      return forwarding.forward(request, route, reason, start);
    } catch (RuntimeException e) {
      // A bug must still answer like Stripe would, and never with a stack trace.
      log.log(System.Logger.Level.ERROR, "edge pipeline failed for " + request, e);
      return CompletableFuture.completedFuture(
          answers.finish(
              route,
              request,
              StripeErrors.response(500, "api_error", "The edge failed to handle the request."),
              new CacheStatus.Bypass(null),
              new ServerTiming(0, null, null),
              start));
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
    return invalidate(ids, List.of());
  }

  private CompletableFuture<Boolean> invalidate(
      Collection<String> ids, List<L0Cache.Entry> replacing) {
    CompletableFuture<Boolean> tiered =
        tiers.isEmpty() ? CompletableFuture.completedFuture(true) : tiers.invalidate(ids);
    ids.forEach(id -> l0.invalidate(id, replacing));
    return tiered;
  }

  @Override
  public void refresh(ObjectChange change) {
    events.apply(change);
  }

  @Override
  public CompletableFuture<Boolean> refreshAcknowledged(ObjectChange change) {
    return events.apply(change);
  }

  @Override
  public List<CachedRetrieve> auditSample(String apiKey, int max) {
    return audit.sample(apiKey, max);
  }

  @Override
  public @Nullable Isolation isolation() {
    return isolation;
  }

  @Override
  public long cachedBytes() {
    return l0.bytes();
  }

  @Override
  public SizingReport sizing() {
    return sizing.report();
  }

  /** A cacheable request: looked up, and counted as a reference of its key for sizing. */
  private CompletableFuture<EdgeResponse> cached(
      EdgeRequest request, Route route, CacheDecision.Cacheable rule, long start) {
    CacheKey key = keys.keyFor(request);
    SizingTap.Trail trail = new SizingTap.Trail();
    Read read = new Read(key, request, route, rule, start);
    CompletableFuture<EdgeResponse> answer = lookup(read, trail);
    return sizing.enabled() ? sizing.tap(answer, key, trail, route, request, rule, start) : answer;
  }

  /** One cacheable read: what every step of its lookup needs. */
  private record Read(
      CacheKey key, EdgeRequest request, Route route, CacheDecision.Cacheable rule, long start) {}

  /** Memory first: a fresh entry answers, a stale one answers while it is refreshed. */
  private CompletableFuture<EdgeResponse> lookup(Read read, SizingTap.Trail trail) {
    L0Cache.Entry entry = l0.get(read.key());
    long looked = ticker.nanos();
    long cacheNanos = looked - read.start();
    if (entry != null) {
      CacheDecision.Cacheable rule = read.rule();
      // The entry's own lifetime bounds it too: an event's copy was stored for seconds only, and
      // then revalidates in the background within its own window (EventRefresh.copyRule), which
      // is the one an entry stored for less than the route's TTL brings.
      // (In nanoseconds, not narrowedTo: this is every memory hit, and that allocates.)
      long routeTtl = rule.ttl().toNanos();
      long entryTtl = entry.rule().ttl().toNanos();
      long routeSwr = rule.staleWhileRevalidate().toNanos();
      long entrySwr = entry.rule().staleWhileRevalidate().toNanos();
      Freshness freshness =
          Freshness.of(
              entry.ageNanos(looked),
              Math.min(routeTtl, entryTtl),
              entryTtl < routeTtl ? entrySwr : Math.min(routeSwr, entrySwr),
              0);
      if (freshness == Freshness.FRESH) {
        trail.memoryHit = entry;
        return answered(
            read,
            entry.response(),
            CacheStatus.MEMORY_HIT,
            cacheNanos,
            null,
            entry.ageNanos(looked));
      }
      if (freshness == Freshness.STALE_WHILE_REVALIDATE) {
        flight(read); // refresh in the background, answer now
        return answered(read, entry.response(), STALE, cacheNanos, null, entry.ageNanos(looked));
      }
    }
    Fallback fallback =
        entry == null ? null : new Fallback(entry.response(), entry.storedAtNanos());
    if (tiers.isEmpty()) {
      return miss(read, cacheNanos, fallback, null);
    }
    // Taken before the lookup: a hit is promoted to L0 only if nothing it holds changed since.
    L0Cache.FillToken token = l0.beginFill();
    trail.askedTiers = true;
    return tiers
        .lookup(read.key().value())
        .thenCompose(
            lookup -> {
              try {
                return fromTiers(read, cacheNanos, fallback, token, lookup);
              } catch (RuntimeException e) {
                // A bug in the tier path must not fail the request: upstream still answers.
                log.log(System.Logger.Level.ERROR, "tier lookup failed for " + read.key(), e);
                return miss(read, cacheNanos, fallback, null);
              }
            });
  }

  /** Answers from a tier's hit when its age allows (promoting it to memory), or goes upstream. */
  private CompletableFuture<EdgeResponse> fromTiers(
      Read read,
      long cacheNanos,
      @Nullable Fallback fallback,
      L0Cache.FillToken token,
      TierChain.Lookup lookup) {
    TierChain.Hit hit = lookup.hit();
    ServerTiming.TierTiming timing =
        new ServerTiming.TierTiming(lookup.nanos(), hit == null ? null : hit.tier());
    if (hit == null) {
      return miss(read, cacheNanos, fallback, timing);
    }
    // The request's rule judges the age, from the fetch: as for an L0 entry (an event's copy, as
    // there, is fresh for seconds only). Past the rule's windows, the tier's retention and the
    // event stream decide.
    TierEntry entry = hit.entry();
    long ageNanos = Math.max(0, tiers.nowMillis() - entry.fetchStartedMillis()) * 1_000_000L;
    CacheDecision.Cacheable rule =
        EventCopyRule.Mark.in(entry.ids()) == null
            ? read.rule()
            : EventRefresh.copyRule(read.rule());
    String resource = read.route().resource();
    long retentionNanos =
        tiers.retentionMillis(hit.index(), resource, rule.retention()) * 1_000_000L;
    TierAge age =
        TierAge.of(
            ageNanos,
            rule,
            retentionNanos,
            ageNanos < retentionNanos && stream.covers(entry.fetchStartedMillis()));
    if (age == TierAge.RETAINED) {
      // Not into memory: stale there at once, it would answer only by this same judgement.
      tiers.retained(hit.index(), true);
      tiers.promote(hit, resource, rule.retention());
      return answered(
          read, hit.response(), new CacheStatus.TierHit(hit.tier()), cacheNanos, timing, ageNanos);
    }
    if (age.answersNow()) {
      l0.fillEntry(token, read.key(), hit.response(), entry.ids(), rule, ageNanos);
      tiers.promote(hit, resource, rule.retention());
      if (age == TierAge.FRESH) {
        return answered(
            read,
            hit.response(),
            new CacheStatus.TierHit(hit.tier()),
            cacheNanos,
            timing,
            ageNanos);
      }
      flight(read);
      return answered(read, hit.response(), STALE, cacheNanos, timing, ageNanos);
    }
    if (ageNanos < retentionNanos) {
      tiers.retained(hit.index(), false); // kept, but the stream cannot vouch for it
    }
    Fallback older = new Fallback(hit.response(), ticker.nanos() - ageNanos);
    Fallback newer =
        fallback == null || fallback.fetchedAtNanos() - older.fetchedAtNanos() < 0
            ? older
            : fallback;
    return miss(read, cacheNanos, newer, timing);
  }

  /** Goes upstream (joining a flight in progress); a failure may answer with the fallback. */
  private CompletableFuture<EdgeResponse> miss(
      Read read,
      long cacheNanos,
      @Nullable Fallback fallback,
      ServerTiming.@Nullable TierTiming tierTiming) {
    SingleFlight.Joined joined = flight(read);
    return joined
        .flight()
        .result()
        .thenApply(
            filled -> {
              Exchange exchange = filled.exchange();
              ServerTiming timing = new ServerTiming(cacheNanos, tierTiming, exchange);
              if (exchange.failed()
                  && fallback != null
                  && Freshness.servesOnError(
                      ticker.nanos() - fallback.fetchedAtNanos(), read.rule())) {
                return answers.finish(
                    read.route(),
                    read.request(),
                    fallback.response(),
                    STALE_IF_ERROR,
                    timing,
                    read.start(),
                    ticker.nanos() - fallback.fetchedAtNanos());
              }
              EdgeResponse response = exchange.response();
              CacheStatus status =
                  new CacheStatus.Miss(
                      response != null ? response.status() : null,
                      joined.collapsed(),
                      filled.stored());
              return answers.finish(
                  read.route(),
                  read.request(),
                  UpstreamExchange.answer(exchange),
                  status,
                  timing,
                  read.start());
            });
  }

  /** Joins the miss in flight for the read's key, or starts one that stores its answer. */
  private SingleFlight.Joined flight(Read read) {
    // Wall clock at the start of the fetch: the tiers refuse the fill if an id it holds was
    // invalidated from then on.
    long fetchStartedMillis = tiers.isEmpty() ? 0 : tiers.nowMillis();
    return flights.join(
        read.key(),
        token ->
            upstream
                .run(read.request(), read.route())
                .thenApply(
                    exchange ->
                        new SingleFlight.Filled(
                            exchange,
                            fill.storeAnswer(
                                token,
                                read.key(),
                                exchange,
                                read.request(),
                                read.route(),
                                read.rule(),
                                fetchStartedMillis))));
  }

  private CompletableFuture<EdgeResponse> answered(
      Read read,
      EdgeResponse response,
      CacheStatus status,
      long cacheNanos,
      ServerTiming.@Nullable TierTiming tierTiming,
      long ageNanos) {
    return CompletableFuture.completedFuture(
        answers.finish(
            read.route(),
            read.request(),
            response,
            status,
            new ServerTiming(cacheNanos, tierTiming, null),
            read.start(),
            ageNanos));
  }
}
