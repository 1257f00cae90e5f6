package dev.stripeedge.core.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link WorkQueue} whose writes' statuses are shared through a {@link WriteStatusBoard}: every
 * change this edge makes to a write (accepted, leased, given back, finished, requeued) is copied to
 * the board as the queue recorded it, and the status resource answers the newer of this edge's
 * record and the board's. So on a queue several edges (or a Lambda worker) consume, a write applied
 * anywhere answers {@code /edge/writes/{id}} everywhere, on edges that never saw it too.
 *
 * <p>The edge that accepted a write keeps a record of it that only another edge finishes: once a
 * second, on the worker's poll, its oldest queued records are looked up on the board and those
 * finished elsewhere are {@link WorkQueue#settle settled}, so its bound, counts and gauges do not
 * grow with writes it did not apply. Listings, counts and callbacks stay per edge (the edge that
 * finishes a write sends its callback).
 *
 * <p>The board is a copy: when it fails, the queue still works and answers from its own records (a
 * warning is logged). Thread-safe as the queue and board are.
 */
public final class SharedStatusQueue extends RecordedQueue<WorkQueue> {

  private static final System.Logger log = System.getLogger(SharedStatusQueue.class.getName());
  private static final Duration SWEEP_EVERY = Duration.ofSeconds(1);
  private static final int SWEEP_BATCH = 500;

  private final WriteStatusBoard board;
  private final Duration keep;
  private volatile Instant lastSweep = Instant.EPOCH;

  private SharedStatusQueue(WorkQueue inner, WriteStatusBoard board, Duration keep) {
    super(inner);
    this.board = board;
    this.keep = keep;
  }

  /**
   * {@code inner} sharing its statuses on {@code board}, kept there {@code keep} (the results'
   * retention); closing it closes {@code inner}, not the board.
   */
  public static SharedStatusQueue over(WorkQueue inner, WriteStatusBoard board, Duration keep) {
    return new SharedStatusQueue(inner, board, keep);
  }

  @Override
  public String name() {
    return records.name();
  }

  @Override
  public void enqueue(QueuedWrite write, int maxQueued) {
    records.enqueue(write, maxQueued);
    share(write.id(), false);
  }

  @Override
  public List<@Nullable RuntimeException> enqueueAll(List<QueuedWrite> writes, int maxQueued) {
    List<@Nullable RuntimeException> out = records.enqueueAll(writes, maxQueued);
    for (int i = 0; i < writes.size(); i++) {
      if (out.get(i) == null) {
        share(writes.get(i).id(), false);
      }
    }
    return out;
  }

  @Override
  public List<Delivery> poll(int max, Instant now, Duration visibility) {
    sweep(now);
    List<Delivery> out = records.poll(max, now, visibility);
    for (Delivery delivery : out) {
      share(delivery.write().id(), false);
    }
    return out;
  }

  @Override
  public boolean retry(Delivery delivery, Instant notBefore, String reason, Instant now) {
    boolean done = records.retry(delivery, notBefore, reason, now);
    if (done) {
      share(delivery.write().id(), false);
    }
    return done;
  }

  @Override
  public boolean finish(
      Delivery delivery,
      WriteState state,
      int status,
      @Nullable String requestId,
      byte[] body,
      String reason,
      Instant now) {
    boolean done = records.finish(delivery, state, status, requestId, body, reason, now);
    if (done) {
      share(delivery.write().id(), false);
    }
    return done;
  }

  @Override
  public Optional<WriteStatus> status(String id) {
    Optional<WriteStatus> local = records.status(id);
    Optional<WriteStatus> shared;
    try {
      shared = board.get(id);
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "reading write " + id + " from the board: " + e);
      return local;
    }
    if (shared.isEmpty()
        || (local.isPresent()
            && WriteStatusBoard.rank(local.get()) >= WriteStatusBoard.rank(shared.get()))) {
      return local;
    }
    if (local.isPresent() && shared.get().state().finished()) {
      records.settle(shared.get(), shared.get().updatedAt());
    }
    return shared;
  }

  @Override
  public boolean requeue(String id, Instant now) {
    boolean done = records.requeue(id, now);
    if (done) {
      // Started over: attempts back to 0, below the dead status the board holds.
      share(id, true);
    }
    return done;
  }

  @Override
  public void close() {
    records.close();
  }

  /** Copies the queue's record of write {@code id} to the board. */
  private void share(String id, boolean force) {
    try {
      Optional<WriteStatus> status = records.status(id);
      if (status.isPresent()) {
        board.put(status.get(), keep, force);
      }
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "sharing the status of write " + id + ": " + e);
    }
  }

  /** Settles, at most once a second, the oldest queued records other edges finished. */
  private void sweep(Instant now) {
    if (Duration.between(lastSweep, now).compareTo(SWEEP_EVERY) < 0) {
      return;
    }
    lastSweep = now;
    try {
      List<String> queued =
          records.list(WriteState.QUEUED, SWEEP_BATCH).stream().map(WriteStatus::id).toList();
      if (queued.isEmpty()) {
        return;
      }
      for (WriteStatus shared : board.getAll(queued).values()) {
        if (shared.state().finished()) {
          records.settle(shared, now);
        }
      }
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "settling writes finished elsewhere: " + e);
    }
  }

  @Override
  public String toString() {
    return "SharedStatusQueue[" + records + "]";
  }
}
