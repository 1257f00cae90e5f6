package dev.stripeedge.core.budget;

import dev.stripeedge.core.internal.RateLimitSignal;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An account's tokens and rates: the critical reserve, the shared bucket and background's allowance
 * ({@link RateAllocation} splits the global rate between them), each endpoint's bucket, the AIMD
 * factors a 429 cuts, the demand forecast, and when edges share the budget their shared pools.
 *
 * <p>Not thread-safe: guarded by its account's monitor.
 */
final class AccountTokens {

  private final BudgetConfig config;
  private final @Nullable SharedTokens sharedTokens;
  private final Runnable tokensArrived;
  private final String key;

  private final @Nullable Bucket reserved;
  private final Bucket shared;

  /** Background's allowance under forecasting: beyond it background takes only leftovers. */
  private final @Nullable Bucket allowance;

  /** Arrivals per lane and their forecast; null when forecasting is off. */
  private final @Nullable Demand demand;

  private final Aimd globalRate;
  private final Aimd concurrency;

  /** The global rate's tokens shared with other edges; null when this edge spends alone. */
  private final SharedTokens.@Nullable Pool sharedGlobal;

  private final Map<String, SharedTokens.Pool> sharedEndpoints = new HashMap<>();
  private final Map<String, Bucket> endpointBuckets = new HashMap<>();
  private final Map<String, Aimd> endpointRates = new HashMap<>();

  /**
   * @param tokensArrived called (outside any monitor) when shared tokens come, or the store fails
   */
  AccountTokens(
      String key,
      BudgetConfig config,
      long now,
      @Nullable SharedTokens sharedTokens,
      Runnable tokensArrived) {
    this.key = key;
    this.config = config;
    this.sharedTokens = sharedTokens;
    this.tokensArrived = tokensArrived;
    this.sharedGlobal =
        sharedTokens == null
            ? null
            : sharedTokens.pool(
                key + "|global", config.globalRate(), config.burst(), now, tokensArrived);
    double rate = config.globalRate();
    this.shared = new Bucket(rate * (1 - config.criticalReserve()), config.burst(), now);
    boolean forecasting = config.forecast().enabled();
    // Under forecasting the reserve may be larger than critical uses: what its full bucket has no
    // room for is lent to the shared bucket rather than lost, so the reserve costs no throughput.
    this.reserved =
        config.criticalReserve() > 0 || forecasting
            ? new Bucket(
                rate * config.criticalReserve(), config.burst(), now, forecasting ? shared : null)
            : null;
    this.demand = forecasting ? new Demand(config.forecast(), now) : null;
    // A second's worth: background may catch up within the second on what stride owes it.
    this.allowance = forecasting ? new Bucket(rate, 1, now) : null;
    this.globalRate = new Aimd(config, now);
    this.concurrency = new Aimd(config, now);
  }

  /** What was forecast for {@code lane} in the last whole second; 0 when not forecasting. */
  double predicted(Lane lane, long now) {
    if (demand == null) {
      return 0;
    }
    demand.roll(now);
    return demand.predicted(lane);
  }

  /** Attempts of {@code lane} in the last whole second; 0 when not forecasting. */
  double arrivals(Lane lane, long now) {
    if (demand == null) {
      return 0;
    }
    demand.roll(now);
    return demand.actual(lane);
  }

  /** The rate reserved for critical now. */
  double reserve(long now) {
    if (reserved == null) {
      return 0;
    }
    applyRates(now);
    return reserved.rate();
  }

  /** Counts an attempt of {@code lane} for the forecast. */
  void arrive(Lane lane, long now) {
    if (demand != null) {
      demand.arrive(lane, now);
    }
  }

  /**
   * True when every AIMD factor is back at 1 and every bucket, local or the local share of a shared
   * one, is full with no lease awaited: as a new account's would be.
   */
  boolean atRest(long now) {
    if (globalRate.factor(now) < 1 || concurrency.factor(now) < 1) {
      return false;
    }
    for (Aimd aimd : endpointRates.values()) {
      if (aimd.factor(now) < 1) {
        return false;
      }
    }
    applyRates(now);
    if (!shared.full(now)
        || (reserved != null && !reserved.full(now))
        || (allowance != null && !allowance.full(now))) {
      return false;
    }
    for (String endpoint : endpointBuckets.keySet()) {
      // Through endpoint(): its rate must be the one in force, as a new bucket's would be.
      if (!endpoint(endpoint, now).full(now)) {
        return false;
      }
    }
    if (sharedGlobal != null && !sharedGlobal.atRest(now)) {
      return false;
    }
    for (SharedTokens.Pool pool : sharedEndpoints.values()) {
      if (!pool.atRest(now)) {
        return false;
      }
    }
    return true;
  }

  /**
   * AIMD on the limiter a 429 from {@code endpoint} names.
   *
   * @return whether a rate was cut (one cut per limiter within the cooldown)
   */
  boolean cut(RateLimitSignal.Limiter limiter, String endpoint, long now) {
    switch (limiter) {
      case GLOBAL_RATE -> {
        if (globalRate.cut(now)) {
          applyRates(now);
          shared.empty(now);
          return true;
        }
      }
      case ENDPOINT_RATE -> {
        if (endpointRates.computeIfAbsent(endpoint, e -> new Aimd(config, now)).cut(now)) {
          endpoint(endpoint, now).empty(now);
          return true;
        }
      }
      case GLOBAL_CONCURRENCY, ENDPOINT_CONCURRENCY -> {
        return concurrency.cut(now);
      }
      case RESOURCE_SPECIFIC, OTHER -> {
        // Updates per PaymentIntent per hour, or a limiter not known: no rate of ours to cut.
      }
    }
    return false;
  }

  /** Sets the buckets' rates to {@link RateAllocation}'s split of the global rate in force. */
  void applyRates(long now) {
    double criticalPeak = 0;
    double normalPeak = 0;
    Demand demand = this.demand;
    Bucket allowance = this.allowance;
    boolean forecasting = demand != null && allowance != null;
    if (demand != null && allowance != null) {
      demand.roll(now);
      criticalPeak = demand.peak(Lane.CRITICAL);
      normalPeak = demand.peak(Lane.NORMAL);
    }
    RateAllocation rates =
        RateAllocation.of(config, globalRate.factor(now), forecasting, criticalPeak, normalPeak);
    if (allowance != null && forecasting && rates.allowance() != allowance.rate()) {
      allowance.rate(rates.allowance(), now);
    }
    shared.rate(rates.shared(), now);
    if (reserved != null) {
      reserved.rate(rates.reserved(), now);
    }
  }

  /**
   * The rate {@code lane} gets while lanes of {@code weights} in all wait: its weighted share of
   * the shared rate (critical: plus the reserve; background, when others wait: no more than its
   * allowance), times this edge's part when edges share the budget.
   */
  double laneRate(Lane lane, int weights) {
    double laneRate = shared.rate() * config.weight(lane) / weights;
    if (lane == Lane.CRITICAL && reserved != null) {
      laneRate += reserved.rate();
    }
    if (lane == Lane.BACKGROUND && allowance != null && weights > config.weight(Lane.BACKGROUND)) {
      // Others wait: background gets no more than its allowance, never less than its share.
      laneRate = Math.min(laneRate, allowance.rate());
    }
    return laneRate;
  }

  /** This edge's part of every rate: under equal demand each edge sharing it gets its share. */
  double share() {
    return sharedTokens == null ? 1 : 1.0 / sharedTokens.edges();
  }

  /** The endpoint's rate in force now. */
  double endpointRate(String endpoint, long now) {
    return endpoint(endpoint, now).rate();
  }

  /** Both the endpoint's own bucket and, when shared, its shared tokens have one now. */
  boolean endpointAvailable(String endpoint, long now) {
    if (!endpoint(endpoint, now).available(now)) {
      return false;
    }
    SharedTokens.Pool pool = sharedEndpoint(endpoint, now);
    return pool == null || pool.available(now);
  }

  long endpointNanosUntilToken(String endpoint, long now) {
    long local = endpoint(endpoint, now).nanosUntilToken(now);
    SharedTokens.Pool pool = sharedEndpoint(endpoint, now);
    return pool == null ? local : Math.max(local, pool.nanosUntilToken(now));
  }

  /** Takes the endpoint's token (and its shared one) for an admission. */
  void takeEndpoint(String endpoint, long now) {
    endpoint(endpoint, now).take();
    SharedTokens.Pool pool = sharedEndpoint(endpoint, now);
    if (pool != null) {
      pool.take(now);
    }
  }

  int concurrencyLimit(long now) {
    return Math.max(1, (int) (config.concurrency() * concurrency.factor(now)));
  }

  /** The critical reserve has a token now. */
  boolean reserveAvailable(long now) {
    return reserved != null && reserved.available(now);
  }

  /** The shared bucket has a token now. */
  boolean sharedAvailable(long now) {
    return shared.available(now);
  }

  /** Background has spent its allowance: it takes only what no other lane can use now. */
  boolean beyondAllowance(long now) {
    return allowance != null && !allowance.available(now);
  }

  /** The global token shared with other edges is here now (always, when this edge spends alone). */
  boolean globalShareAvailable(long now) {
    return sharedGlobal == null || sharedGlobal.available(now);
  }

  /**
   * Takes the global tokens of an admission: the shared pool's, then the reserve's when {@code
   * lane} is null (critical on its reserve), or else the shared bucket's (and background's
   * allowance while it lasts).
   */
  void takeGlobal(@Nullable Lane lane, long now) {
    if (sharedGlobal != null) {
      sharedGlobal.take(now);
    }
    if (lane == null) {
      Objects.requireNonNull(reserved).take();
      return;
    }
    shared.take();
    if (lane == Lane.BACKGROUND && allowance != null && allowance.available(now)) {
      allowance.take();
    }
  }

  /** Nanoseconds until a global token for {@code lane} is due ({@link Long#MAX_VALUE}: unknown). */
  long globalNanosUntilToken(Lane lane, long now) {
    long global = shared.nanosUntilToken(now);
    if (lane == Lane.CRITICAL && reserved != null) {
      global = Math.min(global, reserved.nanosUntilToken(now));
    }
    if (sharedGlobal != null) {
      // Long.MAX_VALUE while waiting for the store: its answer drains again.
      global = Math.max(global, sharedGlobal.nanosUntilToken(now));
    }
    return global;
  }

  /** The endpoint's bucket at the rate in force now. */
  private Bucket endpoint(String endpoint, long now) {
    Bucket bucket =
        endpointBuckets.computeIfAbsent(
            endpoint, e -> new Bucket(config.endpointRate(), config.burst(), now));
    Aimd aimd = endpointRates.get(endpoint);
    if (aimd != null) {
      double rate = config.endpointRate() * aimd.factor(now);
      if (rate != bucket.rate()) {
        bucket.rate(rate, now);
      }
    }
    return bucket;
  }

  /** The endpoint's tokens shared with other edges, or null when this edge spends alone. */
  private SharedTokens.@Nullable Pool sharedEndpoint(String endpoint, long now) {
    SharedTokens tokens = sharedTokens;
    if (tokens == null) {
      return null;
    }
    return sharedEndpoints.computeIfAbsent(
        endpoint,
        e -> tokens.pool(key + '|' + e, config.endpointRate(), config.burst(), now, tokensArrived));
  }
}
