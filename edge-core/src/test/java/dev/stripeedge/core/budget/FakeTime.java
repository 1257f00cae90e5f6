package dev.stripeedge.core.budget;

import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Ticker;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

/** A clock and scheduler that move only when the test says so. Single-threaded use. */
public final class FakeTime implements Ticker, Scheduler {

  private record Task(long due, long seq, CompletableFuture<Void> future) {}

  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(
          (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public long nanos() {
    return now;
  }

  @Override
  public CompletableFuture<Void> after(Duration delay) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    tasks.add(new Task(now + Math.max(0, delay.toNanos()), seq++, future));
    return future;
  }

  /** Moves time forward by {@code step}, running every timer due on the way, in order. */
  public void advance(Duration step) {
    long end = now + step.toNanos();
    while (!tasks.isEmpty() && tasks.peek().due() <= end) {
      Task task = tasks.poll();
      now = Math.max(now, task.due());
      task.future().complete(null);
    }
    now = end;
  }
}
