package dev.stripeedge.core.queue;

import dev.stripeedge.core.EdgeResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * Stores accepted writes in batches: the writes that arrive while one batch is being made durable
 * go together in the next ({@link WorkQueue#enqueueAll}, one commit and one sync to disk for the
 * SQLite queue), so under a burst the {@code 202}s wait for about one sync, not for one sync per
 * write ahead of them. One batch at a time, on {@code thread}; nothing waits when there is no burst
 * (a lone write is a batch of one).
 *
 * <p>Thread-safe.
 */
final class GroupCommit {

  /** Writes stored in one transaction at most (bounds one batch's latency). */
  static final int MAX_BATCH = 256;

  private record Pending(QueuedWrite write, CompletableFuture<EdgeResponse> answer) {}

  private final WorkQueue queue;
  private final int maxQueued;
  private final Executor thread;
  private final BiFunction<QueuedWrite, @Nullable RuntimeException, EdgeResponse> answer;
  private final EdgeResponse closed;
  private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  /**
   * @param answer the answer for a write: stored (null), or refused or failed (why)
   * @param closed the answer when {@code thread} no longer runs tasks (the edge is closing)
   */
  GroupCommit(
      WorkQueue queue,
      int maxQueued,
      Executor thread,
      BiFunction<QueuedWrite, @Nullable RuntimeException, EdgeResponse> answer,
      EdgeResponse closed) {
    this.queue = queue;
    this.maxQueued = maxQueued;
    this.thread = thread;
    this.answer = answer;
    this.closed = closed;
  }

  /** Stores {@code write} with the next batch; the future completes with its answer. */
  CompletableFuture<EdgeResponse> submit(QueuedWrite write) {
    CompletableFuture<EdgeResponse> done = new CompletableFuture<>();
    pending.add(new Pending(write, done));
    if (draining.compareAndSet(false, true)) {
      try {
        thread.execute(this::drain);
      } catch (RejectedExecutionException e) {
        draining.set(false);
        for (Pending left; (left = pending.poll()) != null; ) {
          left.answer().complete(closed);
        }
      }
    }
    return done;
  }

  private void drain() {
    while (true) {
      List<Pending> batch = new ArrayList<>();
      for (Pending next; batch.size() < MAX_BATCH && (next = pending.poll()) != null; ) {
        batch.add(next);
      }
      if (batch.isEmpty()) {
        draining.set(false);
        // One added after the poll above but before the flag fell: go on, unless another drain
        // has started for it.
        if (pending.isEmpty() || !draining.compareAndSet(false, true)) {
          return;
        }
        continue;
      }
      commit(batch);
    }
  }

  private void commit(List<Pending> batch) {
    List<QueuedWrite> writes = new ArrayList<>(batch.size());
    for (Pending one : batch) {
      writes.add(one.write());
    }
    List<@Nullable RuntimeException> outcomes;
    try {
      outcomes = queue.enqueueAll(writes, maxQueued);
    } catch (RuntimeException e) {
      outcomes = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        outcomes.add(e);
      }
    }
    for (int i = 0; i < batch.size(); i++) {
      Pending one = batch.get(i);
      try {
        one.answer().complete(answer.apply(one.write(), outcomes.get(i)));
      } catch (RuntimeException e) {
        one.answer().completeExceptionally(e);
      }
    }
  }
}
