package dev.stripeedge.sim.internal.webhooks;

import dev.stripeedge.sim.SimConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers signed webhook events over HTTP with Stripe-like retries and injectable faults (drops,
 * duplicates, reordering).
 *
 * <p>Thread-safe and non-blocking: {@link #deliver} only schedules work on Vert.x timers and
 * returns at once. Outcomes are reported to the {@link DeliveryListener}; receiver failures never
 * surface as exceptions. The signature is always built in test mode (with a {@code v0} entry)
 * because the simulator only serves {@code livemode: false} data.
 */
public final class WebhookDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
  private static final boolean TEST_MODE = true;
  private static final int MAX_CONNECTIONS_PER_HOST = 16;

  private final Vertx vertx;
  private final Supplier<SimConfig.Webhooks> knobs;
  private final RandomGenerator random;
  private final Object randomLock = new Object();
  private final LongSupplier epochSeconds;
  private final DeliveryListener listener;
  private final HttpClientAgent client;
  private final WebhookPoster poster;
  private final Set<Scheduled> scheduled = ConcurrentHashMap.newKeySet();
  private final AtomicInteger pending = new AtomicInteger();
  private volatile boolean closed;

  /**
   * Creates the dispatcher and its shared keep-alive HTTP client.
   *
   * @param random seeded source for every fault and jitter decision; only used under a lock
   * @param epochSeconds simulated clock for the signature's {@code t=}, read once per attempt
   */
  public WebhookDispatcher(
      Vertx vertx,
      Supplier<SimConfig.Webhooks> knobs,
      RandomGenerator random,
      LongSupplier epochSeconds,
      DeliveryListener listener) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.knobs = Objects.requireNonNull(knobs, "knobs");
    this.random = Objects.requireNonNull(random, "random");
    this.epochSeconds = Objects.requireNonNull(epochSeconds, "epochSeconds");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_HOST));
    this.poster = new WebhookPoster(vertx, client);
  }

  /**
   * Schedules delivery of {@code payload} for {@code eventId} to {@code target}; ignored after
   * {@link #close}. The payload is copied, so the caller may reuse the array.
   */
  public void deliver(WebhookTarget target, String eventId, byte[] payload) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(eventId, "eventId");
    if (closed) {
      return;
    }
    SimConfig.Webhooks k = knobs.get();
    Plan plan = plan(k);
    if (plan.drop()) {
      notifyFinished(eventId, target.endpointId(), false);
      return;
    }
    Delivery delivery = new Delivery(target, eventId, payload.clone());
    pending.incrementAndGet();
    schedule(k.delayMillis() + plan.holdMillis(), () -> attempt(delivery));
    if (plan.duplicate()) {
      pending.incrementAndGet();
      // At least 1 ms later so the copy really trails the original.
      long lag = Math.max(1, plan.duplicateLagMillis());
      schedule(k.delayMillis() + plan.holdMillis() + lag, () -> sendDuplicate(delivery));
    }
  }

  /** Returns how many deliveries (duplicate copies included) have not finished yet. */
  public int pending() {
    return pending.get();
  }

  /**
   * Stops all timers and closes the HTTP client without waiting. Unfinished deliveries are
   * abandoned without further listener calls and stay counted in {@link #pending}. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Scheduled s : scheduled) {
      s.cancel(vertx);
    }
    scheduled.clear();
    client.close();
  }

  /** Draws every random decision for one delivery at once, so a seed fixes the whole plan. */
  private Plan plan(SimConfig.Webhooks k) {
    synchronized (randomLock) {
      // Always draw the same number of values so one knob's setting doesn't shift the others.
      boolean drop = random.nextDouble() < k.dropRate();
      boolean reorder = random.nextDouble() < k.reorderRate();
      long hold = random.nextLong(k.reorderWindowMillis() + 1);
      boolean duplicate = random.nextDouble() < k.duplicateRate();
      long lag = random.nextLong(k.reorderWindowMillis() + 1);
      return new Plan(drop, reorder ? hold : 0, duplicate, lag);
    }
  }

  private double nextUnit() {
    synchronized (randomLock) {
      return random.nextDouble();
    }
  }

  private void attempt(Delivery delivery) {
    SimConfig.Webhooks k = knobs.get();
    int attempt = delivery.attempts.incrementAndGet();
    send(delivery, k)
        .onComplete(
            ar -> {
              int status = ar.result();
              if (closed) {
                return;
              }
              notifyAttempt(delivery, attempt, status);
              if (status >= 200 && status < 300) {
                finish(delivery, true);
              } else if (attempt >= knobs.get().maxAttempts()) {
                finish(delivery, false);
              } else {
                long backoff =
                    Backoff.delayMillis(knobs.get().retryBaseMillis(), attempt, nextUnit());
                schedule(backoff, () -> attempt(delivery));
              }
            });
  }

  /**
   * Sends the redundant copy once, invisibly to the listener: Stripe's at-least-once duplicates are
   * not part of the endpoint's recorded attempts either.
   */
  private void sendDuplicate(Delivery delivery) {
    send(delivery, knobs.get()).onComplete(ar -> pending.decrementAndGet());
  }

  private Future<Integer> send(Delivery delivery, SimConfig.Webhooks k) {
    // A fresh timestamp per attempt, as Stripe does, so retries never go stale for the receiver.
    String signature =
        WebhookSigner.header(
            delivery.payload, delivery.target.secrets(), epochSeconds.getAsLong(), TEST_MODE);
    return poster.post(delivery.target.url(), delivery.payload, signature, k.timeoutMillis());
  }

  private void finish(Delivery delivery, boolean delivered) {
    pending.decrementAndGet();
    notifyFinished(delivery.eventId, delivery.target.endpointId(), delivered);
  }

  private void schedule(long delayMillis, Runnable task) {
    if (closed) {
      return;
    }
    Scheduled s = new Scheduled();
    // Registered before the timer exists so a timer firing immediately can always deregister it.
    scheduled.add(s);
    s.timerId =
        vertx.setTimer(
            Math.max(1, delayMillis),
            id -> {
              scheduled.remove(s);
              if (!closed) {
                task.run();
              }
            });
    if (closed) {
      s.cancel(vertx);
    }
  }

  private void notifyAttempt(Delivery delivery, int attempt, int status) {
    try {
      listener.onAttempt(delivery.eventId, delivery.target.endpointId(), attempt, status);
    } catch (RuntimeException e) {
      log.warn("DeliveryListener.onAttempt failed for {}", delivery.eventId, e);
    }
  }

  private void notifyFinished(String eventId, String endpointId, boolean delivered) {
    try {
      listener.onFinished(eventId, endpointId, delivered);
    } catch (RuntimeException e) {
      log.warn("DeliveryListener.onFinished failed for {}", eventId, e);
    }
  }

  /** Random decisions for one delivery. */
  private record Plan(boolean drop, long holdMillis, boolean duplicate, long duplicateLagMillis) {}

  /** One logical delivery; attempts run strictly one after another, never concurrently. */
  private static final class Delivery {
    final WebhookTarget target;
    final String eventId;
    final byte[] payload;
    // Atomic only for visibility: successive attempts may run on different event-loop threads.
    final AtomicInteger attempts = new AtomicInteger();

    Delivery(WebhookTarget target, String eventId, byte[] payload) {
      this.target = target;
      this.eventId = eventId;
      this.payload = payload;
    }
  }

  /** A pending timer that {@link #close} can cancel. */
  private static final class Scheduled {
    volatile long timerId = -1;

    void cancel(Vertx vertx) {
      long id = timerId;
      if (id >= 0) {
        vertx.cancelTimer(id);
      }
    }
  }
}
