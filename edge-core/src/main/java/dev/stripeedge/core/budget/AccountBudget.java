package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.internal.RateLimitSignal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One Stripe account's budget in a {@link Shaper}: waiters in {@link LaneQueues}, admitted as its
 * {@link AccountTokens} and {@link ObjectLocks} allow, refused when they cannot make their
 * deadline.
 *
 * <p>Guarded by its own monitor. Methods that take an {@code actions} list run under it and append
 * what must happen after it is left (completing futures, arming timers), so callbacks never run
 * inside it.
 */
final class AccountBudget {

  private static final Lane[] LANES = Lane.values();

  private final BudgetMetrics metrics;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final AccountTokens tokens;
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
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.ticker = ticker;
    this.objects = new ObjectLocks(config);
    this.tokens = new AccountTokens(key, config, now, sharedTokens, this::tokensArrived);
  }

  /** What was forecast for {@code lane} in the last whole second; 0 when not forecasting. */
  double predicted(Lane lane, long now) {
    return tokens.predicted(lane, now);
  }

  /** Attempts of {@code lane} in the last whole second; 0 when not forecasting. */
  double arrivals(Lane lane, long now) {
    return tokens.arrivals(lane, now);
  }

  /** The rate reserved for critical now. */
  double reserve(long now) {
    return tokens.reserve(now);
  }

  /**
   * True when this account is in the state a new one starts in, as far as any limit goes: nothing
   * queued or in flight (so no object held either), no lock timeout remembered, and its tokens at
   * rest ({@link AccountTokens#atRest}). A new account made after forgetting this one may then
   * spend exactly what this one could have. Forecast history is not compared: it moves the split
   * between the critical reserve and the shared bucket (their full sum is the global burst either
   * way) and background's allowance, never the global or endpoint rates.
   */
  boolean atRest(long now) {
    return inFlight == 0 && lanes.isEmpty() && objects.atRest(now) && tokens.atRest(now);
  }

  /** Queues {@code waiter}, admits what the budget allows, and refuses it if it cannot make it. */
  void offer(Waiter waiter, long now, List<Runnable> actions) {
    lanes.add(waiter);
    tokens.arrive(waiter.lane, now);
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
   * ({@link Refusals#estimateNanos}).
   */
  private long estimate(Waiter waiter, long now) {
    return Refusals.estimateNanos(
        lanes.size(waiter.lane),
        tokens.laneRate(waiter.lane, lanes.weightsWaiting(config, waiter.lane)),
        lanes.atEndpoint(waiter.endpoint),
        tokens.endpointRate(waiter.endpoint, now),
        tokens.share());
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
    if (tokens.cut(limiter, waiter.endpoint, now)) {
      metrics.cut(limiter.header());
    }
  }

  /** The first waiter of {@code lane} its endpoint and object let go now, or null. */
  private @Nullable Waiter candidate(Lane lane, long now) {
    return lanes.first(
        lane,
        waiter ->
            !objects.blocks(waiter.object, now) && tokens.endpointAvailable(waiter.endpoint, now));
  }

  /** Admits whatever the budget allows now, fairly; schedules a wake-up for the rest. */
  private void drain(long now, List<Runnable> actions) {
    tokens.applyRates(now);
    while (inFlight < tokens.concurrencyLimit(now)) {
      Waiter chosen = null;
      Lane best = null;
      Waiter critical = candidate(Lane.CRITICAL, now);
      if (critical != null && tokens.reserveAvailable(now)) {
        chosen = critical;
      } else if (tokens.sharedAvailable(now)) {
        // Background beyond its allowance: served only with what no other lane can use now.
        Waiter leftover = null;
        for (Lane lane : LANES) {
          Waiter candidate = lane == Lane.CRITICAL ? critical : candidate(lane, now);
          if (candidate == null) {
            continue;
          }
          if (lane == Lane.BACKGROUND && tokens.beyondAllowance(now)) {
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
      if (chosen == null || !tokens.globalShareAvailable(now)) {
        break;
      }
      tokens.takeGlobal(best, now);
      if (best != null) {
        lanes.served(best, config.weight(best));
      }
      admitNow(chosen, now, actions);
    }
    scheduleWake(now, actions);
  }

  private void admitNow(Waiter waiter, long now, List<Runnable> actions) {
    lanes.remove(waiter);
    tokens.takeEndpoint(waiter.endpoint, now);
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
    if (inFlight >= tokens.concurrencyLimit(now)) {
      return;
    }
    long soonest = Long.MAX_VALUE;
    for (Lane lane : LANES) {
      long global = tokens.globalNanosUntilToken(lane, now);
      soonest =
          Math.min(
              soonest,
              lanes.soonest(
                  lane,
                  waiter ->
                      objects.blocks(waiter.object, now)
                          ? Long.MAX_VALUE
                          : Math.max(
                              global, tokens.endpointNanosUntilToken(waiter.endpoint, now))));
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
