package dev.stripeedge.core.queue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A queue whose writes' records are kept by another queue: SQS and Kafka carry the writes and keep
 * each one's state, lease and outcome in SQLite rows; the shared-status decorator keeps them where
 * the queue it wraps does. Every call about the records goes to {@code records} here, once, so a
 * record-keeping call added to {@link WorkQueue} cannot be forgotten by one transport (the Kafka
 * queue once answered {@code settle} with the interface's "no record of its own").
 */
public abstract class RecordedQueue<R extends WorkQueue> implements WorkQueue {

  /** The queue that keeps the writes' records. */
  protected final R records;

  protected RecordedQueue(R records) {
    this.records = records;
  }

  @Override
  public Optional<WriteStatus> status(String id) {
    return records.status(id);
  }

  @Override
  public List<WriteStatus> list(WriteState state, int limit) {
    return records.list(state, limit);
  }

  @Override
  public Map<WriteState, Long> counts() {
    return records.counts();
  }

  @Override
  public @Nullable Instant oldestUnfinished() {
    return records.oldestUnfinished();
  }

  @Override
  public Map<String, Backlog> backlogByLane() {
    return records.backlogByLane();
  }

  @Override
  public int purge(Instant before) {
    return records.purge(before);
  }

  @Override
  public List<Callback> dueCallbacks(Instant now, int max) {
    return records.dueCallbacks(now, max);
  }

  @Override
  public void callbackAttempted(String id, int attempts, boolean done, Instant next) {
    records.callbackAttempted(id, attempts, done, next);
  }

  @Override
  public boolean settle(WriteStatus finished, Instant now) {
    return records.settle(finished, now);
  }
}
