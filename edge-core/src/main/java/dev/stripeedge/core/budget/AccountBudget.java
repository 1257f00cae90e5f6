package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.internal.RateLimitSignal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One Stripe account's budget in a {@link Shaper}: its buckets, AIMD factors, lanes ({@link
 * LaneQueues}) and object locks ({@link ObjectLocks}), admitting waiters as tokens allow.
 *
 * <p>Guarded by its own monitor. Methods that take an {@code actions} list run under it and append
 * what must happen after it is left (completing futures, arming timers), so callbacks never run
 * inside it.
 */
final class AccountBudget {

  private static final Lane[] LANES = Lane.values();

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

  private final @Nullable SharedTokens sharedTokens;
  private final BudgetMetrics metrics;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final Map<String, SharedTokens.Pool> sharedEndpoints = new HashMap<>();
  private final Map<String, Bucket> endpointBuckets = new HashMap<>();
  private final Map<String, Aimd> endpointRates = new HashMap<>();
  private final LaneQueues lanes = new LaneQueues();
  private final ObjectLocks objects;
  private int inFlight;
  private long wakeAt = Long.MAX_VALUE;

  /** The name it is held under in its shaper. */
  final String key;

  /** This account's limits: live, or sandbox for a test key. */
  final BudgetConfig config;

  /** Dropped from the shaper's map by a sweep: nothing may be queued here any more. */
  boolean forgotten;

  AccountBudget(
      String key,
      BudgetConfig config,
      long now,
      @Nullable SharedTokens sharedTokens,
      BudgetMetrics metrics,
      Scheduler scheduler,
      Ticker ticker) {
    this.key = key;
    this.config = config;
    this.sharedTokens = sharedTokens;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.ticker = ticker;
    this.objects = new ObjectLocks(config);
    this.sharedGlobal =
        sharedTokens == null
            ? null
            : sharedTokens.pool(
                key + "|global", config.globalRate(), config.burst(), now, this::tokensArrived);
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

  /**
   * True when this account is in the state a new one starts in, as far as any limit goes: nothing
   * queued or in flight (so no object held either), no lock timeout remembered, every AIMD factor
   * back at 1 and every bucket, local or the local share of a shared one, full with no lease
   * awaited. A new account made after forgetting this one may then spend exactly what this one
   * could have. Forecast history is not compared: it moves the split between the critical reserve
   * and the shared bucket (their full sum is the global burst either way) and background's
   * allowance, never the global or endpoint rates.
   */
  boolean atRest(long now) {
    if (inFlight > 0 || !lanes.isEmpty() || !objects.atRest(now)) {
      return false;
    }
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

  /** Queues {@code waiter}, admits what the budget allows, and refuses it if it cannot make it. */
  void offer(Waiter waiter, long now, List<Runnable> actions) {
    lanes.add(waiter);
    if (demand != null) {
      demand.arrive(waiter.lane, now);
    }
    metrics.enqueued(waiter.lane);
    drain(now, actions);
    if (waiter.done) {
      return;
    }
    long estimate = estimate(waiter, now);
    if (now + estimate > waiter.deadlineNanos) {
      refuse(waiter, estimate, "estimate", actions);
      return;
    }
    actions.add(
        () ->
            scheduler
                .after(Duration.ofNanos(waiter.deadlineNanos - now))
                .thenRun(() -> expire(waiter)));
  }

  private void expire(Waiter waiter) {
    List<Runnable> actions = new ArrayList<>(1);
    synchronized (this) {
      if (waiter.done) {
        return;
      }
      long now = ticker.nanos();
      refuse(waiter, estimate(waiter, now), "deadline", actions);
    }
    actions.forEach(Runnable::run);
  }

  /**
   * Nanoseconds until {@code waiter} would be admitted if the lanes now waiting keep waiting
   * ({@link Refusals#estimateNanos}), its lane's rate being its weighted share of the global rate.
   */
  private long estimate(Waiter waiter, long now) {
    int weights = lanes.weightsWaiting(config, waiter.lane);
    double laneRate = shared.rate() * config.weight(waiter.lane) / weights;
    if (waiter.lane == Lane.CRITICAL && reserved != null) {
      laneRate += reserved.rate();
    }
    if (waiter.lane == Lane.BACKGROUND
        && allowance != null
        && weights > config.weight(Lane.BACKGROUND)) {
      // Others wait: background gets no more than its allowance, never less than its share.
      laneRate = Math.min(laneRate, allowance.rate());
    }
    // Shared with other edges: under equal demand each gets its share of every rate.
    double share = sharedTokens == null ? 1 : 1.0 / sharedTokens.edges();
    return Refusals.estimateNanos(
        lanes.size(waiter.lane),
        laneRate,
        lanes.atEndpoint(waiter.endpoint),
        endpoint(waiter.endpoint, now).rate(),
        share);
  }

  private void refuse(Waiter waiter, long estimateNanos, String reason, List<Runnable> actions) {
    lanes.remove(waiter);
    waiter.done = true;
    metrics.refused(waiter.lane, reason);
    Duration retryAfter = Duration.ofNanos(estimateNanos);
    Admission refused =
        new Admission.Refused(Refusals.response(waiter.lane, retryAfter), retryAfter);
    actions.add(() -> waiter.future.complete(refused));
  }

  void release(Waiter waiter, @Nullable EdgeResponse response, long now, List<Runnable> actions) {
    inFlight--;
    metrics.released();
    if (waiter.holdsObject && waiter.object != null) {
      objects.release(waiter.object);
    }
    RateLimitSignal signal = RateLimitSignal.of(response);
    if (signal != null) {
      learn(waiter, signal, now);
    }
    drain(now, actions);
  }

  /** AIMD on the limiter upstream names; serialisation after a lock timeout. */
  private void learn(Waiter waiter, RateLimitSignal signal, long now) {
    RateLimitSignal.Limiter limiter = signal.limiter();
    if (limiter == null) {
      // A 429 without the header is not a rate limiter (Stripe's docs): a lock timeout.
      if (waiter.object != null && signal.lockTimeout()) {
        objects.lockTimedOut(waiter.object, now);
      }
      return;
    }
    switch (limiter) {
      case GLOBAL_RATE -> {
        if (globalRate.cut(now)) {
          metrics.cut(limiter.header());
          applyRates(now);
          shared.empty(now);
        }
      }
      case ENDPOINT_RATE -> {
        if (endpointRates.computeIfAbsent(waiter.endpoint, e -> new Aimd(config, now)).cut(now)) {
          metrics.cut(limiter.header());
          endpoint(waiter.endpoint, now).empty(now);
        }
      }
      case GLOBAL_CONCURRENCY, ENDPOINT_CONCURRENCY -> {
        if (concurrency.cut(now)) {
          metrics.cut(limiter.header());
        }
      }
      case RESOURCE_SPECIFIC, OTHER -> {
        // Updates per PaymentIntent per hour, or a limiter not known: no rate of ours to cut.
      }
    }
  }

  /** Sets the buckets' rates to {@link RateAllocation}'s split of the global rate in force. */
  private void applyRates(long now) {
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
        e ->
            tokens.pool(
                key + '|' + e, config.endpointRate(), config.burst(), now, this::tokensArrived));
  }

  /** Both the endpoint's own bucket and, when shared, its shared tokens have one now. */
  private boolean endpointAvailable(String endpoint, long now) {
    if (!endpoint(endpoint, now).available(now)) {
      return false;
    }
    SharedTokens.Pool pool = sharedEndpoint(endpoint, now);
    return pool == null || pool.available(now);
  }

  private long endpointNanosUntilToken(String endpoint, long now) {
    long local = endpoint(endpoint, now).nanosUntilToken(now);
    SharedTokens.Pool pool = sharedEndpoint(endpoint, now);
    return pool == null ? local : Math.max(local, pool.nanosUntilToken(now));
  }

  private int concurrencyLimit(long now) {
    return Math.max(1, (int) (config.concurrency() * concurrency.factor(now)));
  }

  /** The first waiter of {@code lane} its endpoint and object let go now, or null. */
  private @Nullable Waiter candidate(Lane lane, long now) {
    return lanes.first(
        lane,
        waiter -> !objects.blocks(waiter.object, now) && endpointAvailable(waiter.endpoint, now));
  }

  /** Admits whatever the budget allows now, fairly; schedules a wake-up for the rest. */
  private void drain(long now, List<Runnable> actions) {
    applyRates(now);
    while (inFlight < concurrencyLimit(now)) {
      Waiter chosen = null;
      Lane best = null;
      Waiter critical = candidate(Lane.CRITICAL, now);
      if (critical != null && reserved != null && reserved.available(now)) {
        chosen = critical;
      } else if (shared.available(now)) {
        // Background beyond its allowance: served only with what no other lane can use now.
        Waiter leftover = null;
        for (Lane lane : LANES) {
          Waiter candidate = lane == Lane.CRITICAL ? critical : candidate(lane, now);
          if (candidate == null) {
            continue;
          }
          if (lane == Lane.BACKGROUND && allowance != null && !allowance.available(now)) {
            leftover = candidate;
          } else if (best == null || lanes.before(lane, best)) {
            best = lane;
            chosen = candidate;
          }
        }
        if (best == null && leftover != null) {
          best = Lane.BACKGROUND;
          chosen = leftover;
        }
      }
      // The lanes chose locally; the account's global token may still have to come from the
      // budget shared with other edges (whose answer drains again when it comes).
      if (chosen == null || (sharedGlobal != null && !sharedGlobal.available(now))) {
        break;
      }
      if (sharedGlobal != null) {
        sharedGlobal.take(now);
      }
      if (best == null) {
        Objects.requireNonNull(reserved).take();
      } else {
        shared.take();
        if (best == Lane.BACKGROUND && allowance != null && allowance.available(now)) {
          allowance.take();
        }
        lanes.served(best, config.weight(best));
      }
      admitNow(chosen, now, actions);
    }
    scheduleWake(now, actions);
  }

  private void admitNow(Waiter waiter, long now, List<Runnable> actions) {
    lanes.remove(waiter);
    endpoint(waiter.endpoint, now).take();
    SharedTokens.Pool pool = sharedEndpoint(waiter.endpoint, now);
    if (pool != null) {
      pool.take(now);
    }
    inFlight++;
    waiter.holdsObject = objects.hold(waiter.object, now);
    waiter.done = true;
    waiter.queuedNanos = now - waiter.arrivedNanos;
    metrics.admitted(waiter.lane, waiter.queuedNanos);
    Admission admitted = new Admission.Admitted(waiter);
    actions.add(() -> waiter.future.complete(admitted));
  }

  /**
   * Arms a timer for the earliest time a waiter's tokens are due. Waiters blocked by concurrency or
   * by a busy object need none: a release drains again.
   */
  private void scheduleWake(long now, List<Runnable> actions) {
    if (inFlight >= concurrencyLimit(now)) {
      return;
    }
    long soonest = Long.MAX_VALUE;
    for (Lane lane : LANES) {
      long shared = this.shared.nanosUntilToken(now);
      if (lane == Lane.CRITICAL && reserved != null) {
        shared = Math.min(shared, reserved.nanosUntilToken(now));
      }
      if (sharedGlobal != null) {
        // Long.MAX_VALUE while waiting for the store: its answer drains again.
        shared = Math.max(shared, sharedGlobal.nanosUntilToken(now));
      }
      long global = shared;
      soonest =
          Math.min(
              soonest,
              lanes.soonest(
                  lane,
                  waiter ->
                      objects.blocks(waiter.object, now)
                          ? Long.MAX_VALUE
                          : Math.max(global, endpointNanosUntilToken(waiter.endpoint, now))));
    }
    if (soonest == Long.MAX_VALUE) {
      return;
    }
    long at = now + Math.max(1, soonest);
    if (at >= wakeAt) {
      return;
    }
    wakeAt = at;
    actions.add(() -> scheduler.after(Duration.ofNanos(at - now)).thenRun(() -> wake(at)));
  }

  /** Shared tokens may have come (or the store failed and the local share applies): drain. */
  private void tokensArrived() {
    List<Runnable> actions = new ArrayList<>(4);
    synchronized (this) {
      drain(ticker.nanos(), actions);
    }
    actions.forEach(Runnable::run);
  }

  private void wake(long at) {
    List<Runnable> actions = new ArrayList<>(4);
    synchronized (this) {
      if (wakeAt == at) {
        wakeAt = Long.MAX_VALUE;
      }
      drain(ticker.nanos(), actions);
    }
    actions.forEach(Runnable::run);
  }
}
