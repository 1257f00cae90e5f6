package dev.stripeedge.core.webhooks;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.ObjectChange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

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
 * <p>A redelivered event ({@link EventLedger.Recorded#DUPLICATE_EVENT}) is not applied again. A
 * double event ({@link EventLedger.Recorded#DUPLICATE_CHANGE}: same object, type and second) is
 * still applied, because invalidating twice is harmless while two real changes within one second
 * would otherwise leave the second unseen. Thread-safe; blocks on the ledger's I/O.
 */
public final class EventProcessor {

  private final EventLedger ledger;
  private final EdgePipeline pipeline;
  private final Clock clock;
  private final MeterRegistry meters;
  private final List<String> forwardTo;
  private final Runnable onQueued;

  private EventProcessor(
      EventLedger ledger,
      EdgePipeline pipeline,
      Clock clock,
      MeterRegistry meters,
      List<String> forwardTo,
      Runnable onQueued) {
    this.ledger = ledger;
    this.pipeline = pipeline;
    this.clock = clock;
    this.meters = meters;
    this.forwardTo = List.copyOf(forwardTo);
    this.onQueued = onQueued;
  }

  /** A processor recording into {@code ledger} and invalidating in {@code pipeline}. */
  public static EventProcessor of(
      EventLedger ledger, EdgePipeline pipeline, Clock clock, MeterRegistry meters) {
    return new EventProcessor(ledger, pipeline, clock, meters, List.of(), () -> {});
  }

  /**
   * This processor also queuing every new event for the application's endpoints {@code forwardTo}
   * (in the ledger's step, see {@link EventLedger#record(StripeEvent, Instant, byte[], List)});
   * {@code onQueued} runs after each queuing (to wake a {@link WebhookForwarder}) and must not
   * block.
   */
  public EventProcessor forwardingTo(List<String> forwardTo, Runnable onQueued) {
    return new EventProcessor(ledger, pipeline, clock, meters, forwardTo, onQueued);
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
    if (recorded != EventLedger.Recorded.DUPLICATE_EVENT) {
      ObjectChange change = event.change(payload);
      for (String id : event.objectIds()) {
        if (change != null && id.equals(change.objectId())) {
          pipeline.refresh(change);
        } else {
          pipeline.invalidate(id);
        }
      }
    }
    Counter.builder("stripe.edge.events")
        .description("Stripe events processed, by source and outcome")
        .tag("source", source)
        .tag("outcome", recorded.name().toLowerCase(Locale.ROOT))
        .register(meters)
        .increment();
    return recorded;
  }
}
