package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * {@link Budget#shaper}: one {@link AccountBudget} per Stripe account (its lanes, object locks and
 * {@link AccountTokens}: token buckets, AIMD and, under forecasting, a reserve and a background
 * allowance that follow each lane's forecast demand), held in a map that forgets idle accounts.
 *
 * <p>Each account's state sits behind that account's monitor; futures are completed and timers
 * scheduled only after the monitor is left, so callbacks (the upstream call itself, a synchronous
 * release) never run inside it. Nothing blocks: waiting is a queued future and a scheduler timer.
 *
 * <p>Accounts are named by the request (any key, any {@code Stripe-Account}), so anyone can make
 * new ones: once more than {@link #SWEEP_AT} are held, admitting an attempt first forgets every
 * account at rest ({@link AccountBudget#atRest}). At rest means nothing queued or in flight, every
 * bucket full, every AIMD cut recovered and no lock timeout remembered: exactly the state a new
 * account starts in, so forgetting one and making it again on its next request lets it spend no
 * more than keeping it would have. Only its forecast history is lost (it warms up again: a reserve
 * that is lent anyway, and background's allowance, follow it; the global rate does not). An account
 * with waiters, permits or a bucket not yet refilled is never forgotten, so the map holds at most
 * about twice the accounts that are busy or were busy within the last burst's refill (a fraction of
 * a second), or {@code SWEEP_AT} if that is more: it grows with the load of the moment, not with
 * the accounts ever seen.
 */
final class Shaper implements Budget {

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
  private final Map<String, AccountBudget> accounts = new ConcurrentHashMap<>();
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
    for (AccountBudget account : accounts.values()) {
      synchronized (account) {
        sum += account.predicted(lane, now);
      }
    }
    return sum;
  }

  /** Attempts of {@code lane} in the last whole second, summed over accounts. */
  private double arrivals(Lane lane) {
    long now = ticker.nanos();
    double sum = 0;
    for (AccountBudget account : accounts.values()) {
      synchronized (account) {
        sum += account.arrivals(lane, now);
      }
    }
    return sum;
  }

  /** The rate reserved for critical now, summed over accounts. */
  private double reserve() {
    long now = ticker.nanos();
    double sum = 0;
    for (AccountBudget account : accounts.values()) {
      synchronized (account) {
        sum += account.reserve(now);
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
      AccountBudget account =
          accounts.computeIfAbsent(
              key,
              k -> new AccountBudget(k, limits, now, sharedTokens, metrics, scheduler, ticker));
      long wait = Math.min(account.config.maxWait(lane).toNanos(), Math.max(0, deadline.toNanos()));
      waiter = new Waiter(account, lane, endpoint, object, now, now + wait, ticker);
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
      for (AccountBudget account : accounts.values()) {
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
    return Refusals.response(lane, retryAfter);
  }
}
