package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.internal.StripeErrors;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * {@link Budget#shaper}: per-account token buckets, lanes, AIMD and, under forecasting, a reserve
 * and a background allowance that follow each lane's forecast demand ({@link Demand}).
 *
 * <p>Each account's state sits behind that account's monitor; futures are completed and timers
 * scheduled only after the monitor is left, so callbacks (the upstream call itself, a synchronous
 * release) never run inside it. Nothing blocks: waiting is a queued future and a scheduler timer.
 *
 * <p>Accounts are named by the request (any key, any {@code Stripe-Account}), so anyone can make
 * new ones: once more than {@link #SWEEP_AT} are held, admitting an attempt first forgets every
 * account at rest ({@link Account#atRest}). At rest means nothing queued or in flight, every bucket
 * full, every AIMD cut recovered and no lock timeout remembered: exactly the state a new account
 * starts in, so forgetting one and making it again on its next request lets it spend no more than
 * keeping it would have. Only its forecast history is lost (it warms up again: a reserve that is
 * lent anyway, and background's allowance, follow it; the global rate does not). An account with
 * waiters, permits or a bucket not yet refilled is never forgotten, so the map holds at most about
 * twice the accounts that are busy or were busy within the last burst's refill (a fraction of a
 * second), or {@code SWEEP_AT} if that is more: it grows with the load of the moment, not with the
 * accounts ever seen.
 */
final class Shaper implements Budget {

  /** Waiters looked at per lane when the head is blocked by its endpoint or object. */
  private static final int SCAN = 32;

  private static final Lane[] LANES = Lane.values();

  /**
   * Accounts held before admitting a new attempt sweeps out those at rest (about 3.5 KB each with
   * forecasting, 1.5 KB without). After a sweep the next one waits for twice the accounts that
   * stayed, so sweeping stays amortised O(1) per attempt even when most accounts are busy.
   */
  static final int SWEEP_AT = 10_000;

  private final BudgetConfig config;
  private final BudgetConfig testConfig;
  private final LaneRule lanes;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final BudgetMetrics metrics;
  private final AccountKeys keys;
  private final @Nullable SharedTokens sharedTokens;
  private final Map<String, Account> accounts = new ConcurrentHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private volatile int sweepAt = SWEEP_AT;

  Shaper(
      BudgetConfig config,
      LaneRule lanes,
      Ticker ticker,
      Scheduler scheduler,
      MeterRegistry meters,
      byte[] keySecret) {
    this(config, lanes, ticker, scheduler, meters, keySecret, null, SharedBudgetConfig.defaults());
  }

  /** With {@code shared} non-null, each account's rates are spent with the other edges'. */
  Shaper(
      BudgetConfig config,
      LaneRule lanes,
      Ticker ticker,
      Scheduler scheduler,
      MeterRegistry meters,
      byte[] keySecret,
      @Nullable SharedBudget shared,
      SharedBudgetConfig sharedConfig) {
    // Unseeded: edges that share a budget must not jitter their retries alike.
    this(
        config,
        lanes,
        ticker,
        scheduler,
        meters,
        keySecret,
        shared,
        sharedConfig,
        new SplittableRandom());
  }

  /** As above, with the jitter of lease retries drawn from {@code random} (tests seed it). */
  Shaper(
      BudgetConfig config,
      LaneRule lanes,
      Ticker ticker,
      Scheduler scheduler,
      MeterRegistry meters,
      byte[] keySecret,
      @Nullable SharedBudget shared,
      SharedBudgetConfig sharedConfig,
      RandomGenerator random) {
    this.config = config;
    this.testConfig = config.forTestMode();
    this.lanes = lanes;
    this.ticker = ticker;
    this.scheduler = scheduler;
    this.metrics = new BudgetMetrics(meters);
    this.keys = new AccountKeys(keySecret);
    this.sharedTokens =
        shared == null
            ? null
            : new SharedTokens(shared, sharedConfig, ticker, scheduler, metrics, random);
    if (sharedTokens != null) {
      sharedTokens.start();
    }
    metrics.accounts(accounts::size);
    if (config.forecast().enabled()) {
      metrics.forecasts(this::predicted, this::arrivals, this::reserve);
    }
  }

  /** What was forecast for {@code lane} in the last whole second, summed over accounts. */
  private double predicted(Lane lane) {
    long now = ticker.nanos();
    double sum = 0;
    for (Account account : accounts.values()) {
      synchronized (account) {
        if (account.demand != null) {
          account.demand.roll(now);
          sum += account.demand.predicted(lane);
        }
      }
    }
    return sum;
  }

  /** Attempts of {@code lane} in the last whole second, summed over accounts. */
  private double arrivals(Lane lane) {
    long now = ticker.nanos();
    double sum = 0;
    for (Account account : accounts.values()) {
      synchronized (account) {
        if (account.demand != null) {
          account.demand.roll(now);
          sum += account.demand.actual(lane);
        }
      }
    }
    return sum;
  }

  /** The rate reserved for critical now, summed over accounts. */
  private double reserve() {
    long now = ticker.nanos();
    double sum = 0;
    for (Account account : accounts.values()) {
      synchronized (account) {
        if (account.reserved != null) {
          account.applyRates(now);
          sum += account.reserved.rate();
        }
      }
    }
    return sum;
  }

  @Override
  public CompletableFuture<Admission> admit(EdgeRequest request, Route route, Duration deadline) {
    long now = ticker.nanos();
    Lane lane = lanes.decide(request, route);
    BudgetConfig limits = AccountKeys.testMode(request) ? testConfig : config;
    String key = keys.of(request);
    // Bounded: each endpoint keeps buckets per account, and anyone can send any path or method.
    String endpoint = StripeRoutes.methodLabel(request.method()) + ' ' + StripeRoutes.label(route);
    boolean write = !request.method().equals("GET") && !request.method().equals("HEAD");
    // Stripe locks the outermost object of a write (the PaymentIntent of .../confirm).
    String object = write && !route.pathIds().isEmpty() ? route.pathIds().get(0) : null;
    if (accounts.size() > sweepAt) {
      sweep(now);
    }
    List<Runnable> actions = new ArrayList<>(2);
    Waiter waiter;
    while (true) {
      Account account = accounts.computeIfAbsent(key, k -> new Account(k, limits, now));
      long wait = Math.min(account.config.maxWait(lane).toNanos(), Math.max(0, deadline.toNanos()));
      waiter = new Waiter(account, lane, endpoint, object, now, now + wait);
      synchronized (account) {
        // A sweep forgot it between the lookup and the lock: the map has (or gets) a new one.
        if (!account.forgotten) {
          account.offer(waiter, now, actions);
          break;
        }
      }
    }
    actions.forEach(Runnable::run);
    return waiter.future;
  }

  /** Whether state is held for the account of {@code request} (tests). */
  boolean holds(EdgeRequest request) {
    return accounts.containsKey(keys.of(request));
  }

  /**
   * Forgets every account at rest (see the class comment for why that is safe); one sweep at a
   * time, the others' callers go on without waiting for it.
   */
  private void sweep(long now) {
    if (!sweeping.compareAndSet(false, true)) {
      return;
    }
    try {
      int forgotten = 0;
      for (Account account : accounts.values()) {
        synchronized (account) {
          if (account.atRest(now)) {
            // Under the account's lock: admit sees the mark before it could queue anything here.
            account.forgotten = true;
            accounts.remove(account.key, account);
            forgotten++;
          }
        }
      }
      if (forgotten > 0) {
        metrics.forgotten(forgotten);
      }
      sweepAt = Math.max(SWEEP_AT, 2 * accounts.size());
    } finally {
      sweeping.set(false);
    }
  }

  /** The 429 the edge answers in Stripe's shape when it refuses an attempt. */
  static EdgeResponse refusal(Lane lane, Duration retryAfter) {
    long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    return StripeErrors.response(
            429,
            "invalid_request_error",
            "rate_limit",
            "The edge refused the request: this account's "
                + lane.tag()
                + " budget cannot serve it in time. Retry after "
                + seconds
                + " s.")
        .withHeaders(Map.of("Retry-After", Long.toString(seconds), EdgeHeaders.REFUSED, "budget"));
  }

  /** A request waiting for, then holding, budget. */
  private final class Waiter implements Permit {
    final Account account;
    final Lane lane;
    final String endpoint;
    final @Nullable String object;
    final long arrivedNanos;
    final long deadlineNanos;
    final CompletableFuture<Admission> future = new CompletableFuture<>();
    // Guarded by account.
    boolean done;
    boolean holdsObject;
    boolean released;
    long queuedNanos;

    Waiter(
        Account account,
        Lane lane,
        String endpoint,
        @Nullable String object,
        long arrivedNanos,
        long deadlineNanos) {
      this.account = account;
      this.lane = lane;
      this.endpoint = endpoint;
      this.object = object;
      this.arrivedNanos = arrivedNanos;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public Lane lane() {
      return lane;
    }

    @Override
    public long queuedNanos() {
      synchronized (account) {
        return queuedNanos;
      }
    }

    @Override
    public void release(@Nullable EdgeResponse response) {
      List<Runnable> actions = new ArrayList<>(2);
      synchronized (account) {
        if (released) {
          return;
        }
        released = true;
        account.release(this, response, ticker.nanos(), actions);
      }
      actions.forEach(Runnable::run);
    }
  }

  /** One Stripe account's budget. Guarded by its own monitor. */
  private final class Account {
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
    private final String key;
    private final Map<String, Bucket> endpointBuckets = new HashMap<>();
    private final Map<String, Aimd> endpointRates = new HashMap<>();
    private final Map<String, Integer> endpointQueued = new HashMap<>();
    private final Map<String, Boolean> busyObjects = new HashMap<>();
    private final Map<String, Long> lockTimeouts = new HashMap<>();
    private final List<ArrayDeque<Waiter>> queues = new ArrayList<>(LANES.length);
    private final double[] pass = new double[LANES.length];
    private double virtualTime;
    private int inFlight;
    private long wakeAt = Long.MAX_VALUE;

    /** This account's limits: live, or sandbox for a test key. Shadows the shaper's. */
    final BudgetConfig config;

    /** Dropped from the map by a sweep: nothing may be queued here any more. */
    boolean forgotten;

    Account(String key, BudgetConfig config, long now) {
      this.key = key;
      this.config = config;
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
      for (int i = 0; i < LANES.length; i++) {
        queues.add(new ArrayDeque<>());
      }
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
      if (inFlight > 0) {
        return false;
      }
      for (ArrayDeque<Waiter> queue : queues) {
        if (!queue.isEmpty()) {
          return false;
        }
      }
      lockTimeouts.values().removeIf(until -> until <= now);
      if (!lockTimeouts.isEmpty()) {
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

    void offer(Waiter waiter, long now, List<Runnable> actions) {
      ArrayDeque<Waiter> queue = queues.get(waiter.lane.ordinal());
      if (queue.isEmpty()) {
        // An idle lane banks no credit: it rejoins at the current virtual time.
        pass[waiter.lane.ordinal()] = Math.max(pass[waiter.lane.ordinal()], virtualTime);
      }
      queue.addLast(waiter);
      endpointQueued.merge(waiter.endpoint, 1, Integer::sum);
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
     * Nanoseconds until {@code waiter} would be admitted if the lanes now waiting keep waiting: its
     * place in its lane over the lane's weighted share of the global rate, or its place among its
     * endpoint's waiters over the endpoint's rate, whichever is longer.
     */
    private long estimate(Waiter waiter, long now) {
      int weights = 0;
      for (Lane lane : LANES) {
        if (!queues.get(lane.ordinal()).isEmpty() || lane == waiter.lane) {
          weights += config.weight(lane);
        }
      }
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
      int position = queues.get(waiter.lane.ordinal()).size();
      double seconds = position / (laneRate * share);
      int sameEndpoint = endpointQueued.getOrDefault(waiter.endpoint, 1);
      seconds = Math.max(seconds, sameEndpoint / (endpoint(waiter.endpoint, now).rate() * share));
      return (long) Math.ceil(seconds * 1e9);
    }

    private void refuse(Waiter waiter, long estimateNanos, String reason, List<Runnable> actions) {
      dequeue(waiter);
      waiter.done = true;
      metrics.refused(waiter.lane, reason);
      Duration retryAfter = Duration.ofNanos(estimateNanos);
      Admission refused = new Admission.Refused(refusal(waiter.lane, retryAfter), retryAfter);
      actions.add(() -> waiter.future.complete(refused));
    }

    private void dequeue(Waiter waiter) {
      queues.get(waiter.lane.ordinal()).remove(waiter);
      endpointQueued.computeIfPresent(waiter.endpoint, (k, n) -> n == 1 ? null : n - 1);
    }

    void release(Waiter waiter, @Nullable EdgeResponse response, long now, List<Runnable> actions) {
      inFlight--;
      metrics.released();
      if (waiter.holdsObject && waiter.object != null) {
        busyObjects.remove(waiter.object);
      }
      if (response != null && response.status() == 429) {
        learn(waiter, response, now);
      }
      drain(now, actions);
    }

    /** AIMD on the limiter upstream names; serialisation after a lock timeout. */
    private void learn(Waiter waiter, EdgeResponse response, long now) {
      String reason = response.header("stripe-rate-limited-reason");
      if (reason == null) {
        // A 429 without the header is not a rate limiter (Stripe's docs): a lock timeout.
        if (waiter.object != null && StripeErrors.code(response.body()).equals("lock_timeout")) {
          // Expired ones go first: the map holds only the objects of the last lockTimeoutMemory.
          lockTimeouts.values().removeIf(until -> until <= now);
          lockTimeouts.put(waiter.object, now + config.lockTimeoutMemory().toNanos());
        }
        return;
      }
      switch (reason) {
        case "global-rate" -> {
          if (globalRate.cut(now)) {
            metrics.cut(reason);
            applyRates(now);
            shared.empty(now);
          }
        }
        case "endpoint-rate" -> {
          if (endpointRates.computeIfAbsent(waiter.endpoint, e -> new Aimd(config, now)).cut(now)) {
            metrics.cut(reason);
            Bucket bucket = endpoint(waiter.endpoint, now);
            bucket.empty(now);
          }
        }
        case "global-concurrency", "endpoint-concurrency" -> {
          if (concurrency.cut(now)) {
            metrics.cut(reason);
          }
        }
        default -> {
          // resource-specific (updates per PaymentIntent per hour): no rate of ours to cut.
        }
      }
    }

    /**
     * Sets the buckets' rates: the global rate in force (AIMD), split between the critical reserve
     * and the shared bucket; under forecasting, the reserve follows critical's forecast and
     * background's allowance what critical and normal are forecast to leave.
     */
    private void applyRates(long now) {
      double rate = config.globalRate() * globalRate.factor(now);
      double reserve = config.criticalReserve();
      if (demand != null && allowance != null) {
        demand.roll(now);
        ForecastConfig forecast = config.forecast();
        double ahead = 1 + forecast.margin();
        double critical = demand.peak(Lane.CRITICAL) * ahead;
        reserve = Math.max(reserve, Math.min(forecast.maxCriticalReserve(), critical / rate));
        double sharedRate = rate * (1 - reserve);
        double share =
            sharedRate
                * config.weight(Lane.BACKGROUND)
                / (config.weight(Lane.CRITICAL)
                    + config.weight(Lane.NORMAL)
                    + config.weight(Lane.BACKGROUND));
        double others = critical + demand.peak(Lane.NORMAL) * ahead;
        double allowed = Math.max(share, rate - others);
        if (allowed != allowance.rate()) {
          allowance.rate(allowed, now);
        }
      }
      shared.rate(rate * (1 - reserve), now);
      if (reserved != null) {
        reserved.rate(rate * reserve, now);
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

    private boolean serialised(@Nullable String object, long now) {
      if (object == null) {
        return false;
      }
      if (config.serializeWrites()) {
        return true;
      }
      Long until = lockTimeouts.get(object);
      if (until == null) {
        return false;
      }
      if (until <= now) {
        lockTimeouts.remove(object);
        return false;
      }
      return true;
    }

    /** The first waiter of {@code lane} its endpoint and object let go now, or null. */
    private @Nullable Waiter candidate(Lane lane, long now) {
      int looked = 0;
      for (Iterator<Waiter> it = queues.get(lane.ordinal()).iterator();
          it.hasNext() && looked < SCAN;
          looked++) {
        Waiter waiter = it.next();
        if (waiter.object != null
            && busyObjects.containsKey(waiter.object)
            && serialised(waiter.object, now)) {
          continue;
        }
        if (endpointAvailable(waiter.endpoint, now)) {
          return waiter;
        }
      }
      return null;
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
            } else if (best == null || pass[lane.ordinal()] < pass[best.ordinal()]) {
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
          virtualTime = pass[best.ordinal()];
          pass[best.ordinal()] += 1.0 / config.weight(best);
        }
        admitNow(chosen, now, actions);
      }
      scheduleWake(now, actions);
    }

    private void admitNow(Waiter waiter, long now, List<Runnable> actions) {
      dequeue(waiter);
      endpoint(waiter.endpoint, now).take();
      SharedTokens.Pool pool = sharedEndpoint(waiter.endpoint, now);
      if (pool != null) {
        pool.take(now);
      }
      inFlight++;
      if (waiter.object != null && serialised(waiter.object, now)) {
        busyObjects.put(waiter.object, Boolean.TRUE);
        waiter.holdsObject = true;
      }
      waiter.done = true;
      waiter.queuedNanos = now - waiter.arrivedNanos;
      metrics.admitted(waiter.lane, waiter.queuedNanos);
      Admission admitted = new Admission.Admitted(waiter);
      actions.add(() -> waiter.future.complete(admitted));
    }

    /**
     * Arms a timer for the earliest time a waiter's tokens are due. Waiters blocked by concurrency
     * or by a busy object need none: a release drains again.
     */
    private void scheduleWake(long now, List<Runnable> actions) {
      if (inFlight >= concurrencyLimit(now)) {
        return;
      }
      long soonest = Long.MAX_VALUE;
      for (Lane lane : LANES) {
        long global = shared.nanosUntilToken(now);
        if (lane == Lane.CRITICAL && reserved != null) {
          global = Math.min(global, reserved.nanosUntilToken(now));
        }
        if (sharedGlobal != null) {
          // Long.MAX_VALUE while waiting for the store: its answer drains again.
          global = Math.max(global, sharedGlobal.nanosUntilToken(now));
        }
        int looked = 0;
        for (Iterator<Waiter> it = queues.get(lane.ordinal()).iterator();
            it.hasNext() && looked < SCAN;
            looked++) {
          Waiter waiter = it.next();
          if (waiter.object != null
              && busyObjects.containsKey(waiter.object)
              && serialised(waiter.object, now)) {
            continue;
          }
          long due = Math.max(global, endpointNanosUntilToken(waiter.endpoint, now));
          soonest = Math.min(soonest, due);
        }
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
}
