package dev.stripeedge.core.budget;

import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Ticker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The shaper's side of a {@link SharedBudget}: a {@link Pool} of leased tokens per account limiter,
 * whether this edge spends the shared budget or its local fair share (while the store fails), and
 * the heartbeat that counts the live edges and brings the edge back once the store answers.
 *
 * <p>Thread-safe: the mode and the edge count are volatile, each pool guards itself. Lock order: an
 * account's monitor, then its pools'; a pool never calls its owner while holding its own lock.
 */
final class SharedTokens {

  private final SharedBudget store;
  private final SharedBudgetConfig config;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final BudgetMetrics metrics;
  private final RandomGenerator random;
  private volatile boolean shared = true;
  private volatile int edges = 1;

  SharedTokens(
      SharedBudget store,
      SharedBudgetConfig config,
      Ticker ticker,
      Scheduler scheduler,
      BudgetMetrics metrics,
      RandomGenerator random) {
    this.store = store;
    this.random = random;
    this.config = config;
    this.ticker = ticker;
    this.scheduler = scheduler;
    this.metrics = metrics;
    metrics.sharing(() -> shared ? 1 : 0, () -> edges);
  }

  /** Announces this edge now and then every heartbeat, for as long as the store is open. */
  void start() {
    beat();
  }

  /** True while tokens come from the shared store, false on the local fair share. */
  boolean shared() {
    return shared;
  }

  /** Live edges as last heard from the store, this one included. */
  int edges() {
    return edges;
  }

  private void beat() {
    if (!store.open()) {
      return;
    }
    guarded(() -> store.announce(config.edgeTtl()))
        .whenComplete(
            (count, failure) -> {
              if (failure == null && count != null) {
                edges = Math.max(1, count);
                toShared();
              } else {
                toLocal();
              }
              scheduler.after(config.heartbeat()).thenRun(this::beat);
            });
  }

  private void toLocal() {
    if (shared) {
      shared = false;
      metrics.fallback(false);
    }
  }

  private void toShared() {
    if (!shared) {
      shared = true;
      metrics.fallback(true);
    }
  }

  /** The store's answer, or a failure once the timeout passes without one. */
  private <T> CompletableFuture<T> guarded(Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> answer;
    try {
      answer = call.get();
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    if (answer.isDone()) {
      return answer;
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    scheduler
        .after(config.timeout())
        .thenRun(
            () ->
                result.completeExceptionally(
                    new TimeoutException("shared budget: no answer within " + config.timeout())));
    answer.whenComplete(
        (value, failure) -> {
          if (failure != null) {
            result.completeExceptionally(failure);
          } else {
            result.complete(value);
          }
        });
    return result;
  }

  /**
   * A pool for the limiter {@code key} at {@code rate} per second holding {@code burst} seconds.
   *
   * @param onTokens runs, outside every lock, when tokens may have arrived: the owner drains again
   */
  Pool pool(String key, double rate, double burst, long now, Runnable onTokens) {
    return new Pool(key, rate, burst, now, onTokens);
  }

  /**
   * One limiter's tokens on this edge: leased from the store while it answers (asked for only when
   * a waiter needs one and none is left, so an idle edge holds none back), else a local bucket at
   * the rate divided by the live edges. Used like a {@link Bucket}: {@link #available}, then {@link
   * #take}.
   */
  final class Pool {

    private final String key;
    private final double rate;
    private final double capacity;
    private final int want;
    private final Runnable onTokens;
    private final Bucket local;
    private int localEdges = 1;
    // Guarded by this.
    private int tokens;
    private long expiresAt;
    private long retryAt;
    private boolean asking;
    private boolean dispatching;

    private Pool(String key, double rate, double burst, long now, Runnable onTokens) {
      this.key = key;
      this.rate = rate;
      this.capacity = Math.max(1, rate * burst);
      this.want = Math.min(config.leaseSize(), (int) capacity);
      this.onTokens = onTokens;
      this.local = new Bucket(rate, burst, now);
      this.retryAt = now;
    }

    /**
     * True if a token can be taken now. While shared and out of tokens it asks the store, unless an
     * answer is awaited ({@code onTokens} runs when it comes) or the store said when to ask again
     * ({@link #nanosUntilToken} tells when).
     */
    synchronized boolean available(long now) {
      if (shared) {
        expire(now);
        if (tokens == 0 && !asking && now - retryAt >= 0) {
          ask();
        }
        if (tokens > 0) {
          return true;
        }
        if (shared) {
          return false;
        }
      }
      return share(now).available(now);
    }

    /** Takes the token {@link #available} found. */
    synchronized void take(long now) {
      if (shared && tokens > 0) {
        tokens--;
      } else {
        share(now).take();
      }
    }

    /**
     * Nanoseconds until a token is available, or may be asked for; {@link Long#MAX_VALUE} while
     * shared and waiting for the store's answer, which runs {@code onTokens}.
     */
    synchronized long nanosUntilToken(long now) {
      if (shared) {
        expire(now);
        if (tokens > 0) {
          return 0;
        }
        return asking ? Long.MAX_VALUE : Math.max(0, retryAt - now);
      }
      return share(now).nanosUntilToken(now);
    }

    /**
     * True when no answer of the store is awaited and the local fair share is full: a new pool for
     * this limiter would allow no more. Leased tokens still held are dropped with the pool, which
     * only wastes them (the store has counted them spent).
     */
    synchronized boolean atRest(long now) {
      return !asking && share(now).full(now);
    }

    /** Leased tokens not spent within the lease's time are dropped: they were due back then. */
    private void expire(long now) {
      if (tokens > 0 && now - expiresAt >= 0) {
        metrics.leaseExpired(tokens);
        tokens = 0;
      }
    }

    /** The local fair share: this limiter's rate over the edges last seen alive. */
    private Bucket share(long now) {
      int count = edges;
      if (count != localEdges) {
        localEdges = count;
        local.rate(rate / count, now);
      }
      return local;
    }

    private void ask() {
      asking = true;
      // An answer already there completes inline: settle must not call the owner back then.
      dispatching = true;
      try {
        guarded(() -> store.lease(key, rate, capacity, want)).whenComplete(this::settle);
      } finally {
        dispatching = false;
      }
    }

    private void settle(SharedBudget.@Nullable Grant grant, @Nullable Throwable failure) {
      boolean wake;
      synchronized (this) {
        asking = false;
        long now = ticker.nanos();
        if (failure != null || grant == null) {
          metrics.lease(-1);
          toLocal();
        } else {
          metrics.lease(grant.tokens());
          if (grant.tokens() > 0) {
            tokens += grant.tokens();
            expiresAt = now + config.leaseTtl().toNanos();
          }
          // Edges that got too few all wait for the same refill; who asks first then takes the
          // lease. Jitter makes that a fair draw instead of whoever's timers run faster.
          long wait = grant.nanosUntilRefilled();
          retryAt = now + wait + (wait > 0 ? random.nextLong(wait / 4 + 1) : 0);
        }
        // Inline, the caller sees the answer itself; later, the owner drains again (and learns
        // when to ask next from nanosUntilToken).
        wake = !dispatching;
      }
      if (wake) {
        onTokens.run();
      }
    }
  }
}
