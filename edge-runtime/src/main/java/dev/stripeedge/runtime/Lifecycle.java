package dev.stripeedge.runtime;

import dev.stripeedge.core.spi.SharedResources;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a runtime has opened and the background jobs it runs, undone last-opened-first by {@link
 * #close}: a job is stopped before the store it writes to closes, a store before the file it
 * shares.
 *
 * <p>Thread-safe. Jobs are timed by the injected {@link EdgeRuntime.Time}, so a test's fake time
 * drives them, and each runs on a daemon thread of its own, so a slow job never delays another.
 */
final class Lifecycle implements SharedResources, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

  /** Something opened, with how to undo it. */
  private record Step(String name, AutoCloseable undo) {}

  private final EdgeRuntime.Time time;
  private final Deque<Step> opened = new ConcurrentLinkedDeque<>();
  private final Map<String, AutoCloseable> shared = new ConcurrentHashMap<>();
  private volatile boolean closing;

  Lifecycle(EdgeRuntime.Time time) {
    this.time = time;
  }

  /** Records {@code resource} for {@link #close}; returns it. */
  <T extends AutoCloseable> T open(String name, T resource) {
    opened.push(new Step(name, resource));
    return resource;
  }

  /**
   * The resource {@code key} names, opened on first use and closed after everything opened later
   * (its users).
   */
  @Override
  public <T extends AutoCloseable> T get(String key, Class<T> type, Supplier<T> open) {
    return type.cast(shared.computeIfAbsent(key, k -> open(k, open.get())));
  }

  /** A single-thread daemon scheduler, shut down (and awaited) by {@link #close}. */
  ScheduledExecutorService daemon(String name) {
    ScheduledExecutorService thread =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread daemon = new Thread(task, name);
              daemon.setDaemon(true);
              return daemon;
            });
    // Awaited: a forward or pass in flight finishes (or is interrupted) before the stores and
    // tiers close under it.
    open(
        name,
        () -> {
          thread.shutdownNow();
          thread.awaitTermination(10, TimeUnit.SECONDS);
        });
    return thread;
  }

  /**
   * Runs {@code job} after {@code first}, then every {@code period} at a fixed rate (a run that
   * overruns its period is followed at once by the next). A job that throws is logged and runs
   * again at its next time.
   */
  void every(String name, Duration first, Duration period, Runnable job) {
    long periodNanos = period.toNanos();
    schedule(
        daemon(name), time.ticker().nanos() + first.toNanos(), job, (at, took) -> at + periodNanos);
  }

  /**
   * Runs {@code job} after {@code first}, then so that what a run finds lands within {@code bound}
   * of its happening: each run starts {@code bound} after the last one started, less the last run's
   * own duration (see {@link #nextWithin}). For the reconciler: at a plain fixed rate an event just
   * missed by one pass waits a whole period and then the next pass's own time.
   */
  void within(String name, Duration first, Duration bound, Runnable job) {
    long boundNanos = bound.toNanos();
    schedule(
        daemon(name),
        time.ticker().nanos() + first.toNanos(),
        job,
        (at, took) -> nextWithin(at, took, boundNanos));
  }

  /**
   * When a job that started at {@code at} and took {@code took} starts again to keep its results
   * within {@code bound}: {@code bound - took} after {@code at}, but never sooner than half of
   * {@code bound} (a run slower than that is the upstream's trouble, not a reason to poll harder).
   */
  static long nextWithin(long at, long took, long bound) {
    return at + bound - Math.min(Math.max(0, took), bound / 2);
  }

  /** When a job that started at {@code at} and took {@code took} nanoseconds runs next. */
  private interface Next {
    long at(long at, long took);
  }

  private void schedule(ExecutorService thread, long at, Runnable job, Next next) {
    Duration wait = Duration.ofNanos(Math.max(0, at - time.ticker().nanos()));
    time.scheduler()
        .after(wait)
        .thenRunAsync(
            () -> {
              if (closing) {
                return;
              }
              long began = time.ticker().nanos();
              try {
                job.run();
              } catch (RuntimeException e) {
                log.warn("{} failed: {}", Thread.currentThread().getName(), e.toString());
              }
              schedule(thread, next.at(at, time.ticker().nanos() - began), job, next);
            },
            thread)
        // Only a thread shut down by close() refuses work; nothing else reaches here.
        .exceptionally(e -> null);
  }

  /** The names of what is open, last opened first: the order {@link #close} undoes them in. */
  List<String> openedLastFirst() {
    return opened.stream().map(Step::name).toList();
  }

  /**
   * Stops the jobs and closes everything, last opened first. Idempotent; never throws (a failure to
   * close one is logged and the rest still close).
   */
  @Override
  public void close() {
    closing = true;
    Step step;
    while ((step = opened.poll()) != null) {
      try {
        step.undo().close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn("closing {} failed: {}", step.name(), e.toString());
      }
    }
  }
}
