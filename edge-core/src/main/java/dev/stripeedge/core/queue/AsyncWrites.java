package dev.stripeedge.core.queue;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Durable asynchronous writes over one {@link WorkQueue}: the front that accepts a write with
 * {@code Prefer: respond-async} (key ensured, stored durably, only then {@code 202}) and answers
 * the status resource ({@code /edge/writes/{id}}) — {@link WriteFront}; the workers that apply
 * queued writes through the pipeline — {@link WriteWorkers}; and the signed completion callbacks —
 * {@link CallbackSender}. This class wires them and owns their threads.
 *
 * <p>Workers call the pipeline the queue was built with (not the front), so a queued write goes
 * through the same budget, retry rule and write-through invalidation as a synchronous one, in the
 * lane its request asked for ({@code Priority}), background by default, and with the idempotency
 * key fixed at acceptance on every attempt and every redelivery.
 *
 * <p>Thread-safe. Storing an accepted write runs on a small pool of its own (the queue blocks on
 * I/O); polling, recording outcomes and callbacks on one daemon thread started by {@link #start}.
 * {@link #close} stops both (the queue is closed by its owner).
 */
public final class AsyncWrites implements AutoCloseable {

  /** Where status resources live, outside Stripe's paths. */
  public static final String STATUS_PATH = "/edge/writes/";

  /** Request header naming a callback URL for this write. */
  public static final String CALLBACK_HEADER = "Stripe-Edge-Callback";

  /** Response header naming the accepted write's id. */
  public static final String WRITE_HEADER = "Stripe-Edge-Write";

  private final WorkQueue queue;
  private final AsyncWriteConfig config;
  private final ExecutorService storeThreads;
  private final ScheduledExecutorService worker;
  private final WriteFront front;
  private final WriteWorkers workers;
  private final CallbackSender callbacks;

  private AsyncWrites(
      EdgePipeline pipeline,
      WorkQueue queue,
      CredentialSeal seal,
      AsyncWriteConfig config,
      Clock clock,
      RandomGenerator random,
      MeterRegistry meterRegistry,
      CallbackNetwork network) {
    this.queue = queue;
    this.config = config;
    // One thread: it stores accepted writes a batch at a time (group commit).
    this.storeThreads = Executors.newSingleThreadExecutor(daemon("edge-async-accept"));
    this.worker = Executors.newSingleThreadScheduledExecutor(daemon("edge-async-worker"));
    AsyncMeters meters = new AsyncMeters(meterRegistry, queue.name(), clock);
    // One rule for both checks: at acceptance and at delivery.
    CallbackRule callbackRule = config.callbacks().rule();
    this.front =
        new WriteFront(queue, seal, config, callbackRule, clock, random, storeThreads, meters);
    this.callbacks =
        new CallbackSender(
            queue, config, callbackRule, clock, random, worker, meters, seal, network);
    this.workers =
        new WriteWorkers(pipeline, queue, seal, config, clock, random, worker, meters, callbacks);
  }

  /**
   * Asynchronous writes through {@code queue}, applied by workers through {@code pipeline} (the
   * pipeline without this front), their credentials sealed by {@code seal} while queued. Call
   * {@link #start} to run the workers.
   */
  public static AsyncWrites over(
      EdgePipeline pipeline,
      WorkQueue queue,
      CredentialSeal seal,
      AsyncWriteConfig config,
      Clock clock,
      RandomGenerator random,
      MeterRegistry meters) {
    return over(pipeline, queue, seal, config, clock, random, meters, CallbackNetwork.system());
  }

  /** As above, callbacks resolved and sent through {@code network} (tests name their own). */
  public static AsyncWrites over(
      EdgePipeline pipeline,
      WorkQueue queue,
      CredentialSeal seal,
      AsyncWriteConfig config,
      Clock clock,
      RandomGenerator random,
      MeterRegistry meters,
      CallbackNetwork network) {
    return new AsyncWrites(pipeline, queue, seal, config, clock, random, meters, network);
  }

  /** Starts the workers (poll, record, purge, callbacks) on their daemon thread. */
  public AsyncWrites start() {
    long period = config.pollInterval().toMillis();
    // The first round after one interval, like the others: an edge started only to accept (its
    // interval long) never takes a write off a shared queue.
    worker.scheduleWithFixedDelay(workers::tickQuietly, period, period, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * The answer to {@code request} if it is handled here (a 202 once stored, a 503 when the queue
   * cannot take it, a 400 when its route forbids it or its callback is unusable), or null when it
   * goes through the pipeline synchronously. Never blocks: storing runs on this class's own pool.
   */
  public @Nullable CompletableFuture<EdgeResponse> offer(EdgeRequest request) {
    return front.offer(request);
  }

  /** A pipeline that offers each request here first, else hands it to {@code inner}. */
  public EdgePipeline front(EdgePipeline inner) {
    return new FrontPipeline(front, inner);
  }

  /**
   * The status resource of write {@code id} for a caller presenting {@code authorization}: 200 with
   * the write's JSON, or a Stripe-shaped 404 when there is no such write or it was sent with
   * another API key (the result may hold the customer's data). Blocks on the queue.
   */
  public EdgeResponse status(String id, @Nullable String authorization) {
    return front.status(id, authorization);
  }

  /** Operators' list: up to {@code limit} writes in {@code state}, as JSON (no bodies). */
  public byte[] list(WriteState state, int limit) {
    return front.list(state, limit);
  }

  /** Puts dead write {@code id} back in the queue; false when there is no such dead write. */
  public boolean requeue(String id) {
    return front.requeue(id);
  }

  /** The queue this runs over. */
  public WorkQueue queue() {
    return queue;
  }

  /**
   * One round of the workers on the calling thread: deliver due writes (their outcomes are recorded
   * on the worker thread when the pipeline answers), send due callbacks, purge, refresh the gauges.
   * {@link #start} runs it every poll interval; tests call it with a fake clock.
   */
  public void runOnce() {
    workers.runOnce();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, name + "-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Stops the workers and the accepting pool; writes in flight are delivered again later. */
  @Override
  public void close() {
    storeThreads.shutdown();
    worker.shutdownNow();
    callbacks.close();
    try {
      storeThreads.awaitTermination(5, TimeUnit.SECONDS);
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
