package dev.stripeedge.core.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The durable queue of asynchronous writes, and the record of their outcomes: the SPI every queue
 * backend implements (SQLite embedded, SQS, Kafka), checked by one contract kit ({@code
 * dev.stripeedge.testkit.WorkQueueContract}).
 *
 * <p>Guarantees a backend gives:
 *
 * <ul>
 *   <li><b>Durable before ack</b>: when {@link #enqueue} returns, the write survives a crash of
 *       this process (and, for a shared backend, of this machine).
 *   <li><b>At-least-once delivery with a lease</b>: {@link #poll} hides a write for the visibility
 *       timeout; a worker that neither {@link #finish finishes} nor {@link #retry releases} it in
 *       time (it crashed) loses it to the next poll, with the attempt count raised.
 *   <li><b>Per-object order</b>: of the unfinished writes sharing an order key, only the one
 *       accepted first is delivered; the next waits until it is finished.
 *   <li><b>Dead letters</b>: a write finished {@link WriteState#DEAD} stays listed until {@link
 *       #requeue requeued} or purged.
 * </ul>
 *
 * <p>Implementations are thread-safe; every method may block on I/O (call them off event loops).
 * Failures of the store are {@link RuntimeException}s.
 */
public interface WorkQueue extends AutoCloseable {

  /** Thrown by {@link #enqueue} when the queue already holds its bound: nothing was stored. */
  final class Full extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Full(long held) {
      super("the write queue is full: " + held + " writes waiting or in flight");
    }
  }

  /** The backend's name, for metrics and logs ({@code sqlite}, {@code sqs}, {@code kafka}). */
  String name();

  /**
   * Stores {@code write} durably, state {@link WriteState#QUEUED}, unless the queue holds {@code
   * maxQueued} unfinished writes or more.
   *
   * @throws Full the queue is at its bound (nothing stored)
   * @throws IllegalArgumentException a write with this id exists
   */
  void enqueue(QueuedWrite write, int maxQueued);

  /**
   * Stores {@code writes} as {@link #enqueue} does, each under the bound as the ones before it
   * leave it; a backend that can makes them durable together (one commit, one sync to disk: group
   * commit). The default stores them one at a time.
   *
   * @return per write, in order: null when it was stored, else why not ({@link Full}, an {@link
   *     IllegalArgumentException} for an id that exists, or another exception when the backend
   *     stores in several calls and that write's call failed)
   * @throws RuntimeException the store failed: none of them was stored
   */
  default List<@Nullable RuntimeException> enqueueAll(List<QueuedWrite> writes, int maxQueued) {
    List<@Nullable RuntimeException> out = new java.util.ArrayList<>(writes.size());
    for (QueuedWrite write : writes) {
      try {
        enqueue(write, maxQueued);
        out.add(null);
      } catch (Full | IllegalArgumentException refused) {
        out.add(refused);
      }
    }
    return out;
  }

  /**
   * Up to {@code max} due writes (queued and not before their next-attempt time, or in flight with
   * an expired lease), each the first unfinished one of its order key, now leased until {@code now
   * + visibility} and {@link WriteState#IN_FLIGHT}.
   */
  List<Delivery> poll(int max, Instant now, Duration visibility);

  /**
   * Gives a delivery back to the queue, due again at {@code notBefore}, with why it failed.
   *
   * @return false when the lease was no longer this delivery's (nothing changed)
   */
  boolean retry(Delivery delivery, Instant notBefore, String reason, Instant now);

  /**
   * Gives a delivery back like {@link #retry}, without counting it as an attempt: the edge held it
   * back (its key's circuit breaker was open) and Stripe never saw it, so waiting out an outage
   * does not spend the write's {@code maxAttempts}. The default counts it (a backend that cannot
   * take an attempt back); both built-in backends override it.
   *
   * @return false when the lease was no longer this delivery's (nothing changed)
   */
  default boolean defer(Delivery delivery, Instant notBefore, String reason, Instant now) {
    return retry(delivery, notBefore, reason, now);
  }

  /**
   * Ends a delivery's write in {@code state} (succeeded, failed or dead) with Stripe's last answer
   * (status 0 and empty body when there was none), and schedules its callback when it has one.
   *
   * @return false when the lease was no longer this delivery's (nothing changed)
   * @throws IllegalArgumentException {@code state} is not a finished state
   */
  boolean finish(
      Delivery delivery,
      WriteState state,
      int status,
      @Nullable String requestId,
      byte[] body,
      String reason,
      Instant now);

  /** The write's status, or empty when unknown (never accepted, or purged). */
  Optional<WriteStatus> status(String id);

  /** Up to {@code limit} writes in {@code state}, oldest accepted first. */
  List<WriteStatus> list(WriteState state, int limit);

  /** How many writes are in each state (every state present, zero included). */
  Map<WriteState, Long> counts();

  /** When the oldest unfinished write was accepted, or null when none is. */
  @Nullable Instant oldestUnfinished();

  /**
   * The unfinished writes of one lane.
   *
   * @param unfinished how many are queued or in flight
   * @param oldest when the oldest of them was accepted, or null when none is
   */
  record Backlog(long unfinished, @Nullable Instant oldest) {}

  /**
   * Unfinished writes by {@link QueuedWrite#lane() lane} tag; lanes without any may be absent. A
   * backend that does not record lanes answers empty (the default).
   */
  default Map<String, Backlog> backlogByLane() {
    return Map.of();
  }

  /**
   * Puts a dead write back in the queue (same id and key, attempts reset), due at {@code now}.
   *
   * @return false when no dead write has this id
   */
  boolean requeue(String id, Instant now);

  /** Deletes finished writes last updated before {@code before}; returns how many. */
  int purge(Instant before);

  /**
   * A finished write's pending callback.
   *
   * @param id the write's id
   * @param url where to POST
   * @param attempts attempts made so far
   */
  record Callback(String id, String url, int attempts) {}

  /** Up to {@code max} callbacks due at {@code now}. */
  List<Callback> dueCallbacks(Instant now, int max);

  /**
   * Records a callback attempt: {@code done} when delivered or given up, else due again at {@code
   * next}.
   */
  void callbackAttempted(String id, int attempts, boolean done, Instant next);

  /**
   * Records that another edge finished a write this queue holds a record of ({@code finished}, read
   * from a shared {@link WriteStatusBoard}): a record that is queued, or in flight under a lease
   * that ran out at {@code now}, takes that outcome, without a callback (the edge that finished it
   * sends it). A live lease of this edge is left alone.
   *
   * @return whether a record changed; false by default (a backend with no record of its own)
   */
  default boolean settle(WriteStatus finished, Instant now) {
    return false;
  }

  /** Closes the store; idempotent. */
  @Override
  void close();
}
