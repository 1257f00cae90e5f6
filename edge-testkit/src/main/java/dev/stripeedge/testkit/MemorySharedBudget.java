package dev.stripeedge.testkit;

import dev.stripeedge.core.budget.SharedBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One edge's view of a {@link Store}: a {@link SharedBudget} in memory, on a {@link FakeTime}, for
 * tests of code that shares a budget without a Redis. It passes {@link SharedBudgetContract}, as
 * the Redis budget does.
 *
 * <pre>{@code
 * FakeTime time = new FakeTime();
 * MemorySharedBudget.Store store = MemorySharedBudget.store(time);
 * SharedBudget edgeA = store.connect(), edgeB = store.connect();
 * store.state(MemorySharedBudget.State.DOWN); // every call fails until UP again
 * }</pre>
 *
 * <p>Thread-safe. Answers complete at once, on the caller's thread (a store that is {@link
 * State#HANGING} never answers).
 */
public final class MemorySharedBudget implements SharedBudget, AutoCloseable {

  /** How the store answers. */
  public enum State {
    /** At once. */
    UP,
    /** With a failure, at once: a store that is unreachable. */
    DOWN,
    /** Never: a store that accepts calls and does not answer. */
    HANGING
  }

  /** Starts an empty store on {@code time}. */
  public static Store store(FakeTime time) {
    return new Store(time);
  }

  /** The shared part: buckets and live edges, one lock. */
  public static final class Store {
    private final FakeTime time;
    private final Map<String, Bucket> buckets = new HashMap<>();
    private final Map<String, Long> edges = new HashMap<>();
    private final List<CompletableFuture<?>> unanswered = new ArrayList<>();
    private State state = State.UP;
    private int leases;

    private Store(FakeTime time) {
      this.time = time;
    }

    /** A new edge on this store. */
    public MemorySharedBudget connect() {
      return new MemorySharedBudget(this);
    }

    /** From now on, answers as {@code value} says. */
    public synchronized void state(State value) {
      state = value;
    }

    /** Leases asked for so far, answered or not. */
    public synchronized int leases() {
      return leases;
    }

    private synchronized <T> CompletableFuture<T> answer(Supplier<T> value) {
      return switch (state) {
        case UP -> CompletableFuture.completedFuture(value.get());
        case DOWN -> CompletableFuture.failedFuture(new IllegalStateException("store down"));
        case HANGING -> {
          CompletableFuture<T> never = new CompletableFuture<>();
          unanswered.add(never);
          yield never;
        }
      };
    }
  }

  /** A token bucket, as the Redis lease script keeps it: tokens and when they were counted. */
  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  private final Store store;
  private final String id = UUID.randomUUID().toString();
  private volatile boolean closed;

  private MemorySharedBudget(Store store) {
    this.store = store;
  }

  @Override
  public CompletableFuture<Grant> lease(String key, double rate, double capacity, int want) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("budget closed"));
    }
    synchronized (store) {
      store.leases++;
    }
    return store.answer(() -> take(key, rate, capacity, want));
  }

  // The same arithmetic as edge-store-redis's lease.lua, in nanoseconds.
  private Grant take(String key, double rate, double capacity, int want) {
    long now = store.time.nanos();
    Bucket bucket = store.buckets.computeIfAbsent(key, k -> new Bucket(capacity, now));
    if (now > bucket.at) {
      bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * rate / 1e9);
      bucket.at = now;
    }
    int granted = (int) Math.max(0, Math.floor(Math.min(want, bucket.tokens) + 1e-9));
    bucket.tokens -= granted;
    long wait = 0;
    if (granted < want) {
      wait = (long) Math.ceil((Math.min(want, capacity) - bucket.tokens) * 1e9 / rate);
    }
    return new Grant(granted, Math.max(0, wait));
  }

  @Override
  public CompletableFuture<Integer> announce(Duration ttl) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("budget closed"));
    }
    return store.answer(
        () -> {
          long now = store.time.nanos();
          store.edges.put(id, now);
          store.edges.values().removeIf(seen -> now - seen > ttl.toNanos());
          return store.edges.size();
        });
  }

  @Override
  public boolean open() {
    return !closed;
  }

  /** Leaves the live edges at once, as the Redis budget does when it closes. */
  @Override
  public void close() {
    closed = true;
    synchronized (store) {
      store.edges.remove(id);
    }
  }

  @Override
  public String toString() {
    return "MemorySharedBudget[" + id + "]";
  }
}
