package dev.stripeedge.core.webhooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Takes one webhook delivery from any adapter (the sidecar, Lambda): verify the signature, read the
 * event, then {@link EventProcessor#process record and apply} it.
 *
 * <p>Only an {@link Result.Accepted} delivery may be answered 2xx: by then the event is durably in
 * the ledger (its application to the tiers may still be in flight: the ledger's journal re-applies
 * it if the process dies first). Every refusal is counted in {@code stripe.edge.webhooks.refused}
 * tagged by endpoint and reason, and nothing of a refused delivery is recorded or applied. One
 * ingest serves one endpoint (a platform endpoint and a Connect endpoint have their own secrets);
 * all of them share one processor, so one ledger dedupes across endpoints. Thread-safe; blocks on
 * the ledger, so never call it on an event loop.
 */
public final class WebhookIngest {

  /** Largest payload accepted by default; Stripe's events are far smaller. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

  private final String endpoint;
  private final StripeSignature signature;
  private final EventProcessor processor;
  private final int maxPayloadBytes;
  private final MeterRegistry meters;

  private WebhookIngest(
      String endpoint,
      StripeSignature signature,
      EventProcessor processor,
      int maxPayloadBytes,
      MeterRegistry meters) {
    if (maxPayloadBytes < 1024) {
      throw new IllegalArgumentException(
          "maxPayloadBytes must be at least 1024: " + maxPayloadBytes);
    }
    this.endpoint = endpoint;
    this.signature = signature;
    this.processor = processor;
    this.maxPayloadBytes = maxPayloadBytes;
    this.meters = meters;
  }

  /**
   * An ingest for the endpoint named {@code endpoint} (its path, the metrics' {@code endpoint}
   * tag), verifying with {@code signature} and processing with {@code processor}.
   */
  public static WebhookIngest of(
      String endpoint,
      StripeSignature signature,
      EventProcessor processor,
      int maxPayloadBytes,
      MeterRegistry meters) {
    return new WebhookIngest(endpoint, signature, processor, maxPayloadBytes, meters);
  }

  /** The endpoint this ingest serves, e.g. {@code /webhooks/stripe}. */
  public String endpoint() {
    return endpoint;
  }

  /** Largest payload accepted; adapters stop reading beyond it and call {@link #tooLarge()}. */
  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /** Handles one delivery: its raw body and its {@code Stripe-Signature} header (null if none). */
  public Result accept(byte[] payload, @Nullable String signatureHeader) {
    if (payload.length > maxPayloadBytes) {
      return tooLarge();
    }
    SignatureCheck check = signature.verify(payload, signatureHeader);
    if (check instanceof SignatureCheck.Refused refused) {
      Reason reason =
          switch (refused.reason()) {
            case MISSING_HEADER -> Reason.MISSING_HEADER;
            case MALFORMED_HEADER -> Reason.MALFORMED_HEADER;
            case NO_V1_SIGNATURE -> Reason.NO_V1_SIGNATURE;
            case SIGNATURE_MISMATCH -> Reason.SIGNATURE_MISMATCH;
            case STALE_TIMESTAMP -> Reason.STALE_TIMESTAMP;
          };
      return refuse(reason, refused.message());
    }
    StripeEvent event;
    try {
      event = StripeEvent.parse(payload);
    } catch (IllegalArgumentException e) {
      return refuse(Reason.NOT_AN_EVENT, "The payload is not a Stripe event: " + e.getMessage());
    }
    try {
      return new Result.Accepted(event, processor.process(event, payload, "webhook"));
    } catch (IllegalStateException e) {
      return new Result.Unavailable("The event could not be recorded; retry later.");
    }
  }

  /** The refusal of a payload over {@link #maxPayloadBytes()}, counted. */
  public Result.Refused tooLarge() {
    return refuse(
        Reason.PAYLOAD_TOO_LARGE,
        "The payload is larger than the " + maxPayloadBytes + " bytes accepted.");
  }

  private Result.Refused refuse(Reason reason, String message) {
    countRefusal(meters, endpoint, reason.name().toLowerCase(Locale.ROOT));
    return new Result.Refused(reason, message);
  }

  /**
   * Counts one refused delivery at {@code endpoint} in {@code stripe.edge.webhooks.refused}; for
   * adapters refusing before an ingest exists (no secret configured).
   */
  public static void countRefusal(MeterRegistry meters, String endpoint, String reason) {
    Counter.builder("stripe.edge.webhooks.refused")
        .description("Webhook deliveries refused, by endpoint and reason")
        .tag("endpoint", endpoint)
        .tag("reason", reason)
        .register(meters)
        .increment();
  }

  /** Why a delivery was refused; lower-cased, the names are the metric's {@code reason} tag. */
  public enum Reason {
    MISSING_HEADER(400),
    MALFORMED_HEADER(400),
    NO_V1_SIGNATURE(400),
    SIGNATURE_MISMATCH(400),
    STALE_TIMESTAMP(400),
    PAYLOAD_TOO_LARGE(413),
    NOT_AN_EVENT(400);

    private final int status;

    Reason(int status) {
      this.status = status;
    }

    /** The HTTP status to answer with. */
    public int status() {
      return status;
    }
  }

  /** The outcome of one delivery: a closed choice. */
  public sealed interface Result {

    /**
     * Durably recorded (or recorded before): answer 2xx.
     *
     * @param event what was delivered
     * @param recorded whether it was new or a duplicate
     */
    record Accepted(StripeEvent event, EventLedger.Recorded recorded) implements Result {}

    /** Not trusted or not an event: answer {@link Reason#status()}; Stripe will retry. */
    record Refused(Reason reason, String message) implements Result {}

    /** The ledger failed: answer 503 so Stripe retries later. */
    record Unavailable(String message) implements Result {}
  }
}
