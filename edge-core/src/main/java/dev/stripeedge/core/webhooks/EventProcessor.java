package dev.stripeedge.core.webhooks;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.StreamHealth;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The one path every event takes, from a webhook or from the reconciler: record it in the {@link
 * EventLedger}, then apply it to the cache.
 *
 * <p>Applying means {@link EdgePipeline#invalidate invalidating} every object expanded inside
 * {@code data.object} (the pipeline drops each cached entry that embeds one of them) and {@link
 * EdgePipeline#refresh refreshing} the event's own object: its entries are dropped too, but a plain
 * retrieve that certainly predates the change takes the event's copy for a few seconds, so the next
 * read is a hit on the new state rather than a trip to Stripe. The pipeline copies only an event
 * newer than any it applied to that object; a late, older event or a same-second tie only
 * invalidates, so the next read refetches the current state. Older never overwrites newer.
 *
 * <p>The ledger is a journal: an event is recorded as not applied, and marked applied only once its
 * invalidation reached every tier ({@link EdgePipeline#invalidateAcknowledged}). The caller may
 * acknowledge Stripe as soon as {@link #process} returns, before the tiers answered: if the process
 * dies first, or a tier is down, {@link #reapplyUnapplied} (at startup and periodically) applies
 * the event again.
 *
 * <p>A redelivered event ({@link EventLedger.Recorded#DUPLICATE_EVENT}) is not applied again. A
 * double event ({@link EventLedger.Recorded#DUPLICATE_CHANGE}: same object, type and second) is
 * still applied, because invalidating twice is harmless while two real changes within one second
 * would otherwise leave the second unseen; the ledger journals it under its own id like a new one.
 * Thread-safe; blocks on the ledger's I/O.
 */
public final class EventProcessor {

  private static final System.Logger log = System.getLogger(EventProcessor.class.getName());
  private static final int MARK_BATCH = 500;

  private final EventLedger ledger;
  private final EdgePipeline pipeline;
  private final Clock clock;
  private final MeterRegistry meters;
  private final List<String> forwardTo;
  private final Runnable onQueued;
  private final @Nullable StreamHealth stream;
  private final Queue<String> appliedIds = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean marking = new AtomicBoolean();

  private EventProcessor(
      EventLedger ledger,
      EdgePipeline pipeline,
      Clock clock,
      MeterRegistry meters,
      List<String> forwardTo,
      Runnable onQueued,
      @Nullable StreamHealth stream) {
    this.ledger = ledger;
    this.stream = stream;
    this.pipeline = pipeline;
    this.clock = clock;
    this.meters = meters;
    this.forwardTo = List.copyOf(forwardTo);
    this.onQueued = onQueued;
  }

  /** A processor recording into {@code ledger} and invalidating in {@code pipeline}. */
  public static EventProcessor of(
      EventLedger ledger, EdgePipeline pipeline, Clock clock, MeterRegistry meters) {
    return new EventProcessor(ledger, pipeline, clock, meters, List.of(), () -> {}, null);
  }

  /**
   * This processor also queuing every new event for the application's endpoints {@code forwardTo}
   * (in the ledger's step, see {@link EventLedger#record(StripeEvent, Instant, byte[], List)});
   * {@code onQueued} runs after each queuing (to wake a {@link WebhookForwarder}) and must not
   * block.
   */
  public EventProcessor forwardingTo(List<String> forwardTo, Runnable onQueued) {
    return new EventProcessor(ledger, pipeline, clock, meters, forwardTo, onQueued, stream);
  }

  /**
   * This processor also reporting each webhook delivery it records (new or a duplicate) to {@code
   * stream}: deliveries arriving show the event stream is healthy.
   */
  public EventProcessor reportingTo(StreamHealth stream) {
    return new EventProcessor(ledger, pipeline, clock, meters, forwardTo, onQueued, stream);
  }

  /** The ledger events are recorded in. */
  public EventLedger ledger() {
    return ledger;
  }

  /**
   * Records and applies {@code event}; {@code source} ({@code webhook}, {@code reconcile}) tags the
   * count.
   *
   * @throws IllegalStateException the ledger failed: the event is neither recorded nor applied, and
   *     must not be acknowledged
   */
  public EventLedger.Recorded process(StripeEvent event, String source) {
    if (!forwardTo.isEmpty()) {
      throw new IllegalStateException(
          "forwarding needs the payload: call process(event, payload, source)");
    }
    return process(event, new byte[0], source);
  }

  /**
   * Records, queues for forwarding (when configured) and applies {@code event}, whose JSON as
   * Stripe sent it is {@code payload}.
   *
   * @throws IllegalStateException the ledger failed: nothing is recorded, queued or applied, and
   *     the event must not be acknowledged
   */
  public EventLedger.Recorded process(StripeEvent event, byte[] payload, String source) {
    EventLedger.Recorded recorded =
        forwardTo.isEmpty()
            ? ledger.record(event, clock.instant())
            : ledger.record(event, clock.instant(), payload, forwardTo);
    if (recorded == EventLedger.Recorded.NEW && !forwardTo.isEmpty()) {
      onQueued.run();
    }
    StreamHealth health = stream;
    if (health != null && source.equals("webhook")) {
      health.deliverySeen();
    }
    if (recorded != EventLedger.Recorded.DUPLICATE_EVENT) {
      // The caller acknowledges Stripe now: the journal re-applies if this never completes.
      apply(event, event.change(payload))
          .thenAccept(
              everywhere -> {
                if (everywhere) {
                  markApplied(event.id());
                  recordLag(event, source);
                }
              });
    }
    Counter.builder("stripe.edge.events")
        .description("Stripe events processed, by source and outcome")
        .tag("source", source)
        .tag("outcome", recorded.name().toLowerCase(Locale.ROOT))
        .register(meters)
        .increment();
    return recorded;
  }

  /**
   * {@code stripe.edge.events.lag}: from the event's creation at Stripe to its application in every
   * tier, by source — a webhook's is delivery plus apply; the reconciler's is how long a missed
   * delivery stayed unrepaired. Whole seconds at best (Stripe's {@code created}); never negative.
   */
  private void recordLag(StripeEvent event, String source) {
    if (event.created() <= 0) {
      return;
    }
    long lagMillis = Math.max(0, clock.millis() - event.created() * 1000);
    Timer.builder("stripe.edge.events.lag")
        .description("From an event's creation at Stripe to its application in every tier")
        .tag("source", source)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(100))
        .maximumExpectedValue(Duration.ofHours(1))
        .register(meters)
        .record(lagMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Applies again every event recorded before {@code receivedBefore} and not yet marked applied (up
   * to {@code limit}): invalidates their object ids everywhere and marks each applied once every
   * tier acknowledged. Run at startup, before serving (with the current time: whatever a previous
   * process recorded but may not have applied), and periodically (with a time a few seconds back,
   * so events whose own application is still in flight are left to it).
   *
   * <p>Blocks on the ledger's read; the invalidations complete in the background, but memory's part
   * and the pipeline's refusal of tier hits fetched before them are in place on return.
   *
   * @return how many events were applied again
   * @throws IllegalStateException the ledger failed
   */
  public int reapplyUnapplied(Instant receivedBefore, int limit) {
    List<EventLedger.Unapplied> pending = ledger.unapplied(receivedBefore, limit);
    for (EventLedger.Unapplied event : pending) {
      pipeline
          .invalidateAcknowledged(event.objectIds())
          .thenAccept(
              everywhere -> {
                if (everywhere) {
                  markApplied(event.eventId());
                }
              });
    }
    if (!pending.isEmpty()) {
      Counter.builder("stripe.edge.events.reapplied")
          .description("Events applied again because they were not known to have been applied")
          .register(meters)
          .increment(pending.size());
    }
    return pending.size();
  }

  /** Invalidates {@code event}'s objects everywhere, refreshing its own from {@code change}. */
  private CompletableFuture<Boolean> apply(StripeEvent event, @Nullable ObjectChange change) {
    CompletableFuture<Boolean> all = CompletableFuture.completedFuture(true);
    List<String> others = new ArrayList<>();
    for (String id : event.objectIds()) {
      if (change != null && id.equals(change.objectId())) {
        all = all.thenCombine(pipeline.refreshAcknowledged(change), Boolean::logicalAnd);
      } else {
        others.add(id);
      }
    }
    if (!others.isEmpty()) {
      all = all.thenCombine(pipeline.invalidateAcknowledged(others), Boolean::logicalAnd);
    }
    return all;
  }

  /**
   * Queues {@code eventId}'s mark; one virtual thread at a time writes the queued marks in batches,
   * off the tiers' threads (the ledger blocks on disk) and with one write for many events.
   */
  private void markApplied(String eventId) {
    appliedIds.add(eventId);
    if (marking.compareAndSet(false, true)) {
      Thread.ofVirtual().name("edge-event-journal").start(this::writeMarks);
    }
  }

  private void writeMarks() {
    do {
      List<String> batch = new ArrayList<>();
      String id;
      while (batch.size() < MARK_BATCH && (id = appliedIds.poll()) != null) {
        batch.add(id);
      }
      if (!batch.isEmpty()) {
        try {
          ledger.markApplied(batch);
        } catch (IllegalStateException e) {
          // Closed or failing: the events stay unapplied and are applied again later; harmless.
          log.log(System.Logger.Level.DEBUG, "cannot mark events applied: " + e.getMessage());
        }
      }
      marking.set(false);
      // A mark queued after the last poll but before the flag cleared would otherwise wait.
    } while (!appliedIds.isEmpty() && marking.compareAndSet(false, true));
  }
}
