package dev.stripeedge.core;

import dev.stripeedge.core.budget.Budget;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.budget.LaneRule;
import dev.stripeedge.core.budget.SharedBudget;
import dev.stripeedge.core.budget.SharedBudgetConfig;
import dev.stripeedge.core.internal.DefaultEdgePipeline;
import dev.stripeedge.core.internal.LockedRandom;
import dev.stripeedge.core.isolation.Isolation;
import dev.stripeedge.core.isolation.IsolationConfig;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The one request path of the edge, shared by the sidecar, the stripe-java adapter and Lambda:
 * classify, look up the cache (memory, then each {@link dev.stripeedge.core.tier.CacheTier} added
 * to the builder, in order), coalesce misses, call upstream under the retry rule, fill (memory and
 * every tier) or invalidate (everywhere), and answer with {@code Cache-Status} and {@code
 * Server-Timing}.
 *
 * <p>Thread-safe; {@link #handle} never blocks and its future never completes exceptionally: every
 * failure becomes a Stripe-shaped error response (502 when upstream is unreachable, 504 when the
 * deadline passes).
 */
public interface EdgePipeline {

  /** The answer to {@code request}. */
  CompletableFuture<EdgeResponse> handle(EdgeRequest request);

  /**
   * Drops every cached entry containing {@code objectId} (for webhooks and reconciliation), in
   * memory and in every tier (those in the background), and refuses fills that started before.
   */
  void invalidate(String objectId);

  /**
   * Applies an object's new state from a Stripe event: every cached entry holding the object is
   * dropped as by {@link #invalidate}, and plain retrieves of it that certainly predate the change
   * (same API version, fetched well before the event's second, no newer event applied) take the
   * event's copy for a short while, so the next read is a hit on the new state instead of a trip to
   * Stripe. The default only invalidates.
   */
  default void refresh(ObjectChange change) {
    invalidate(change.objectId());
  }

  /**
   * {@link #invalidate Invalidates} every id in {@code objectIds} and says when that landed, for a
   * caller that must know (the webhook journal marks an event applied only then). Memory's part is
   * done when this returns.
   *
   * @return completes with true once every tier acknowledged the invalidation, with false when a
   *     tier failed, timed out or is bypassed (the pipeline re-sends it in the background, but only
   *     in memory: a durable caller retries itself); never completes exceptionally
   */
  default CompletableFuture<Boolean> invalidateAcknowledged(Collection<String> objectIds) {
    objectIds.forEach(this::invalidate);
    return CompletableFuture.completedFuture(true);
  }

  /**
   * {@link #refresh Refreshes} {@code change} and says when its invalidation landed, as {@link
   * #invalidateAcknowledged}.
   */
  default CompletableFuture<Boolean> refreshAcknowledged(ObjectChange change) {
    refresh(change);
    return CompletableFuture.completedFuture(true);
  }

  /** Bytes the in-memory tier holds now. */
  long cachedBytes();

  /**
   * The memory the in-memory tier needs for 90%, 95% and 99% hit ratios, estimated from the
   * cacheable traffic so far (see {@link SizingConfig}). Thread-safe; O(size of the estimate). The
   * default reports nothing sampled.
   */
  default SizingReport sizing() {
    return SizingReport.empty(0);
  }

  /**
   * Up to {@code max} plain retrieves (one object, no query) picked at random among the fresh
   * entries of the in-memory cache that were cached under {@code apiKey}: those a drift audit
   * holding that key may refetch and compare. Entries cached under another key are never returned
   * (cache keys hold an HMAC of the API key; an entry is returned only when the retrieve rebuilt
   * with {@code apiKey} has its key). O(entries in memory). The default returns none.
   *
   * @throws IllegalArgumentException if {@code max} is not positive or {@code apiKey} is blank
   */
  default List<CachedRetrieve> auditSample(String apiKey, int max) {
    if (max < 1 || apiKey.isBlank()) {
      throw new IllegalArgumentException("auditSample needs an API key and a positive size");
    }
    return List.of();
  }

  /**
   * The pipeline's isolation (flags, breakers), or null when it is off (the default, see {@link
   * Builder#isolation}).
   */
  default @Nullable Isolation isolation() {
    return null;
  }

  /** A builder whose defaults work: Stripe's rules, real time, a per-process random secret. */
  static Builder builder(Upstream upstream) {
    return new Builder(upstream);
  }

  /** Configures an {@link EdgePipeline}; every setter validates at once. Not thread-safe. */
  final class Builder {
    private final Upstream upstream;
    private CacheConfig cacheConfig = CacheConfig.defaults();
    private @Nullable CacheRule cacheRule;
    private RetryConfig retryConfig = RetryConfig.defaults();
    private @Nullable RetryRule retryRule;
    private @Nullable RandomGenerator random;
    private byte @Nullable [] cacheKeySecret;
    private Ticker ticker = Ticker.system();
    private Scheduler scheduler = Scheduler.system();
    private MeterRegistry meters = new SimpleMeterRegistry();
    private Duration attemptTimeout = Duration.ofSeconds(80);
    private @Nullable Budget budget;
    private @Nullable BudgetConfig budgetConfig;
    private LaneRule laneRule = LaneRule.stripe();
    private @Nullable SharedBudget sharedBudget;
    private SharedBudgetConfig sharedBudgetConfig = SharedBudgetConfig.defaults();
    private final List<Map.Entry<CacheTier, TierConfig>> tiers = new ArrayList<>();
    private Clock clock = SystemTime.clock();
    private SizingConfig sizingConfig = SizingConfig.defaults();
    private IdempotencyConfig idempotencyConfig = IdempotencyConfig.defaults();
    private IsolationConfig isolationConfig = IsolationConfig.off();
    private @Nullable StreamHealth streamHealth;

    private Builder(Upstream upstream) {
      this.upstream = upstream;
    }

    /**
     * TTLs, opted-in lists, stale windows and the byte bound; default {@link
     * CacheConfig#defaults()}.
     */
    public Builder cacheConfig(CacheConfig value) {
      this.cacheConfig = value;
      return this;
    }

    /** Replaces {@link CacheRule#stripe} over the cache config (the byte bound still applies). */
    public Builder cacheRule(CacheRule value) {
      this.cacheRule = value;
      return this;
    }

    /** Attempts, backoff and deadline; default {@link RetryConfig#defaults()}. */
    public Builder retryConfig(RetryConfig value) {
      this.retryConfig = value;
      return this;
    }

    /** Replaces {@link RetryRule#stripe} (the deadline still comes from the retry config). */
    public Builder retryRule(RetryRule value) {
      this.retryRule = value;
      return this;
    }

    /** Source of jitter and of generated idempotency keys; default seeded from SecureRandom. */
    public Builder random(RandomGenerator value) {
      this.random = value;
      return this;
    }

    /** Secret of the API-key hash in cache keys, at least 32 bytes; default 32 random bytes. */
    public Builder cacheKeySecret(byte[] value) {
      if (value.length < 32) {
        throw new IllegalArgumentException(
            "the cache-key secret must have at least 32 bytes: " + value.length);
      }
      this.cacheKeySecret = value.clone();
      return this;
    }

    /** Clock of TTLs and timings; default {@link Ticker#system()}. */
    public Builder ticker(Ticker value) {
      this.ticker = value;
      return this;
    }

    /** Waits between retries; default {@link Scheduler#system()}. */
    public Builder scheduler(Scheduler value) {
      this.scheduler = value;
      return this;
    }

    /** Where metrics go; default a private {@link SimpleMeterRegistry}. */
    public Builder meterRegistry(MeterRegistry value) {
      this.meters = value;
      return this;
    }

    /** Upper bound of one upstream attempt (the deadline may cut it shorter); default 80 s. */
    public Builder attemptTimeout(Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("attemptTimeout must be positive: " + value);
      }
      this.attemptTimeout = value;
      return this;
    }

    /**
     * Admits every upstream attempt (retries included) through {@code value}; default {@link
     * Budget#unlimited()}. Replaces {@link #budgetConfig}.
     */
    public Builder budget(Budget value) {
      this.budget = value;
      this.budgetConfig = null;
      return this;
    }

    /**
     * Shapes upstream attempts with {@link Budget#shaper} under {@code value}, on this builder's
     * ticker, scheduler, meters and key secret. Replaces {@link #budget}.
     */
    public Builder budgetConfig(BudgetConfig value) {
      this.budgetConfig = value;
      this.budget = null;
      return this;
    }

    /**
     * Spends the budget of the shaper {@link #budgetConfig} builds together with the other edges
     * using {@code store} (see {@link Budget#shaper(BudgetConfig, LaneRule, Ticker, Scheduler,
     * MeterRegistry, byte[], SharedBudget, SharedBudgetConfig)}); default: this edge alone. The
     * pipeline uses the store but does not own it: the caller closes it after the pipeline.
     */
    public Builder sharedBudget(SharedBudget store, SharedBudgetConfig config) {
      this.sharedBudget = store;
      this.sharedBudgetConfig = config;
      return this;
    }

    /** Lanes of the shaper {@link #budgetConfig} builds; default {@link LaneRule#stripe()}. */
    public Builder laneRule(LaneRule value) {
      this.laneRule = value;
      return this;
    }

    /**
     * Adds {@code tier} below L0 and the tiers added before it, with {@link TierConfig#defaults()}.
     * The pipeline uses the tier but does not own it: the caller closes it after the pipeline.
     */
    public Builder tier(CacheTier tier) {
      return tier(tier, TierConfig.defaults());
    }

    /**
     * Adds {@code tier} below L0 and the tiers added before it (add the fastest first): asked in
     * that order after an L0 miss, each under {@code config}'s timeout; fills and invalidations
     * reach every tier. The caller closes the tier after the pipeline.
     */
    public Builder tier(CacheTier tier, TierConfig config) {
      for (Map.Entry<CacheTier, TierConfig> added : tiers) {
        if (added.getKey() == tier) {
          throw new IllegalArgumentException("tier " + tier.name() + " was already added");
        }
      }
      tiers.add(Map.entry(tier, config));
      return this;
    }

    /**
     * Wall clock of the tiers (fetch start and expiry of what they store, age of their hits) and of
     * event refreshes (when a cached entry was stored); default {@link Clock#systemUTC()}.
     */
    public Builder clock(Clock value) {
      this.clock = value;
      return this;
    }

    /** Sampling for {@link EdgePipeline#sizing()}; default {@link SizingConfig#defaults()}. */
    public Builder sizing(SizingConfig value) {
      this.sizingConfig = value;
      return this;
    }

    /**
     * How long the key made for an unkeyed write with an ambiguous outcome is reused for the same
     * write; default {@link IdempotencyConfig#defaults()}.
     */
    public Builder idempotencyConfig(IdempotencyConfig value) {
      this.idempotencyConfig = value;
      return this;
    }

    /**
     * Detection and containment of slow or failing keys and routes; default {@link
     * IsolationConfig#off()} (the runtime turns it on).
     */
    public Builder isolation(IsolationConfig value) {
      this.isolationConfig = value;
      return this;
    }

    /**
     * The event stream's health, which lets a tier's hit past its TTL (within the tier's retention,
     * {@link CacheConfig#retention()}) answer; default: one nobody reports to, so such hits are
     * always revalidated. The runtime shares one with its webhook receiver and reconciler.
     */
    public Builder streamHealth(StreamHealth value) {
      this.streamHealth = value;
      return this;
    }

    public EdgePipeline build() {
      SecureRandom secure = new SecureRandom();
      RandomGenerator rng =
          new LockedRandom(random != null ? random : new SplittableRandom(secure.nextLong()));
      byte[] secret = cacheKeySecret;
      if (secret == null) {
        secret = new byte[32];
        secure.nextBytes(secret);
      }
      return new DefaultEdgePipeline(
          upstream,
          cacheRule != null ? cacheRule : CacheRule.stripe(cacheConfig),
          cacheConfig.maxBytes(),
          cacheConfig.notFoundTtl(),
          CacheKeys.hmac(secret),
          retryConfig,
          retryRule != null ? retryRule : RetryRule.stripe(retryConfig, rng),
          rng,
          ticker,
          scheduler,
          meters,
          attemptTimeout,
          budgetConfig != null
              ? shaper(budgetConfig, secret)
              : budget != null ? budget : Budget.unlimited(),
          List.copyOf(tiers),
          clock,
          sizingConfig,
          idempotencyConfig,
          isolationConfig.enabled()
              ? new Isolation(
                  isolationConfig,
                  budgetConfig != null ? budgetConfig.concurrency() : UNBUDGETED_SLOTS,
                  secret,
                  ticker,
                  clock,
                  meters)
              : null,
          cacheConfig.retention(),
          streamHealth != null
              ? streamHealth
              : StreamHealth.of(clock, cacheConfig.retention().streamWindow()));
    }

    // Without a budget nothing bounds an account's calls in flight: a flagged key's share of this.
    private static final int UNBUDGETED_SLOTS = 100;

    private Budget shaper(BudgetConfig config, byte[] secret) {
      SharedBudget store = sharedBudget;
      return store == null
          ? Budget.shaper(config, laneRule, ticker, scheduler, meters, secret)
          : Budget.shaper(
              config, laneRule, ticker, scheduler, meters, secret, store, sharedBudgetConfig);
    }
  }
}
