package dev.stripeedge.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.queue.CredentialSeal;
import dev.stripeedge.core.queue.DeliveryRule;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.queue.sqs.SqsWorkQueue;
import dev.stripeedge.runtime.EdgeRuntime;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous-write worker as an SQS-triggered function, on the FIFO queue the edge's SQS work
 * queue writes to ({@code asyncWrites.queue: sqs}): each message's write goes through the runtime's
 * pipeline (budget, retries, write-through invalidation) with the idempotency key fixed when it was
 * accepted, and {@link DeliveryRule} decides as the edge's own workers do.
 *
 * <p>Answers an {@link SQSBatchResponse} with partial failures (the event source mapping needs
 * {@code ReportBatchItemFailures}): a write to deliver again (no answer, 429, 5xx, within its
 * attempts) is reported failed and comes back after the queue's visibility timeout, the rest of the
 * batch is deleted. On a FIFO queue the messages after the first failure are reported failed too,
 * unprocessed, as AWS requires to keep each message group in order. A write Stripe refused for
 * good, or dead after its attempts, is consumed (logged when dead): delivering it again would
 * change nothing.
 *
 * <p>Credentials: the accepting edge seals each write's {@code Authorization} under a key derived
 * from its cache-key secret; this function opens it with the same {@code
 * STRIPE_EDGE_CACHE_KEY_SECRET}. A write it cannot open is reported failed (never sent, never
 * deleted), so the queue's redrive policy keeps it for an operator.
 *
 * <p>Its outcome is Stripe's answer to the write; the edge that accepted it learns of it from the
 * write-through invalidation of the tiers it shares, not from its own queue record (see
 * docs/lambda.md).
 */
public final class AsyncWriteWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

  private static final Logger log = LoggerFactory.getLogger(AsyncWriteWorkerHandler.class);
  private static final String BACKGROUND = "u=6";

  private final EdgeLambda edge;

  /** The handler AWS instantiates: on the execution environment's edge. */
  public AsyncWriteWorkerHandler() {
    this(EdgeLambda.defaultInstance());
  }

  public AsyncWriteWorkerHandler(EdgeLambda edge) {
    this.edge = edge;
  }

  // Made on the first batch and kept: the settings never change within an environment. (Lambda
  // runs one invocation at a time per handler instance.)
  private @Nullable DeliveryRule rule;
  private @Nullable CredentialSeal seal;
  private boolean sealKnown;

  private DeliveryRule rule() {
    DeliveryRule made = rule;
    if (made == null) {
      made = new DeliveryRule(edge.settings().asyncWrites(), new SecureRandom());
      rule = made;
    }
    return made;
  }

  /**
   * The accepting edge sealed each write's credentials under a key derived from its cache-key
   * secret: the worker opens them with the same secret (STRIPE_EDGE_CACHE_KEY_SECRET); null without
   * one. Derived once (two HKDF computations).
   */
  private @Nullable CredentialSeal seal() {
    if (!sealKnown) {
      byte[] secret = edge.settings().cacheKeySecretBytes();
      seal = secret == null ? null : CredentialSeal.derivedFrom(secret);
      sealKnown = true;
    }
    return seal;
  }

  @Override
  public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
    List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
    List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
    EdgeRuntime runtime = edge.runtime();
    DeliveryRule rule = rule();
    CredentialSeal seal = seal();
    boolean stopped = false;
    for (SQSEvent.SQSMessage message : records) {
      if (stopped || !deliver(runtime, rule, seal, message)) {
        failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
        // FIFO: nothing after a failure may be applied before it.
        stopped = stopped || fifo(message);
      }
    }
    return new SQSBatchResponse(failures);
  }

  /** Applies one message's write; false when it must be delivered again. */
  private static boolean deliver(
      EdgeRuntime runtime,
      DeliveryRule rule,
      @Nullable CredentialSeal seal,
      SQSEvent.SQSMessage message) {
    QueuedWrite write;
    try {
      write = SqsWorkQueue.decodeMessage(message.getBody());
    } catch (IllegalArgumentException e) {
      // Not ours: never applied, never deleted; the queue's redrive policy moves it aside.
      log.warn("message {} is not a stripe-edge write", message.getMessageId());
      return false;
    }
    // A write that cannot be opened is kept for the dead-letter queue (redrive) and an operator.
    EdgeRequest request;
    if (seal != null) {
      try {
        request = seal.open(write);
      } catch (CredentialSeal.Unreadable e) {
        log.warn("asynchronous write {} cannot be sent: {}", write.id(), e.why());
        return false;
      }
    } else if (write.request().header(CredentialSeal.SEALED_HEADER) != null) {
      log.warn(
          "asynchronous write {} cannot be sent: its credentials are sealed and this function"
              + " has no STRIPE_EDGE_CACHE_KEY_SECRET",
          write.id());
      return false;
    } else {
      request = write.request();
    }
    if (request.header("priority") == null) {
      request = request.withHeader("Priority", BACKGROUND);
    }
    EdgeResponse response;
    try {
      // The pipeline, not the asynchronous front: the write is applied now, not queued again.
      response = runtime.pipeline().handle(request).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      response = null;
    }
    Instant now = runtime.time().clock().instant();
    DeliveryRule.Decision decision =
        rule.decide(
            attempt(message), noAnswer(response) ? null : response, write.acceptedAt(), now);
    return switch (decision) {
      case DeliveryRule.Decision.Succeeded ok -> true;
      case DeliveryRule.Decision.Failed failed -> true;
      case DeliveryRule.Decision.Dead dead -> {
        log.warn("asynchronous write {} is dead: {}", write.id(), dead.reason());
        yield true;
      }
      case DeliveryRule.Decision.Retry retry -> {
        log.info("asynchronous write {} delivered again: {}", write.id(), retry.reason());
        yield false;
      }
      case DeliveryRule.Decision.Held held -> {
        // The breaker of its key is open: SQS delivers it again after the visibility timeout.
        // SQS counts that receive all the same (maxReceiveCount of the redrive policy).
        log.info("asynchronous write {} held: {}", write.id(), held.reason());
        yield false;
      }
    };
  }

  /** SQS's receive count: this delivery's attempt number (1 for the first). */
  private static int attempt(SQSEvent.SQSMessage message) {
    Map<String, String> attributes = message.getAttributes();
    String count = attributes == null ? null : attributes.get("ApproximateReceiveCount");
    try {
      return count == null ? 1 : Math.max(1, Integer.parseInt(count.strip()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private static boolean fifo(SQSEvent.SQSMessage message) {
    String arn = message.getEventSourceArn();
    return arn == null || arn.endsWith(".fifo");
  }

  /**
   * The edge's own 502/504 (no answer from Stripe) count as no answer, as its workers count them.
   */
  private static boolean noAnswer(@Nullable EdgeResponse response) {
    return response == null
        || ((response.status() == 502 || response.status() == 504)
            && response.header("request-id") == null);
  }
}
