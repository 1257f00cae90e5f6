package dev.stripeedge.lambda;

import dev.stripeedge.core.webhooks.StripeEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * Hands each accepted webhook event to the application through an SQS queue ({@code
 * STRIPE_EDGE_WEBHOOK_QUEUE_URL}): the verified payload as the message body (an envelope with only
 * the id and type past SQS's size limit: fetch the event), its id and type as message attributes.
 * On a FIFO queue the message group is the event's object (its events stay in order) and the
 * deduplication id the event's, so a redelivery within SQS's five minutes is dropped; on a standard
 * queue the application deduplicates by event id, as Stripe asks of every consumer.
 *
 * <p>Sent for every accepted delivery, duplicates too, before the 2xx: a send that fails answers
 * 503 and Stripe's redelivery (recorded as a duplicate) sends again, so an event recorded is handed
 * over at least once. Thread-safe; closed with the runtime's generation.
 */
final class WebhookFanout implements AutoCloseable {

  /** The queue, and how to reach it. */
  record Target(String queueUrl, String region, String endpoint) {

    /**
     * From {@code STRIPE_EDGE_WEBHOOK_QUEUE_URL}, {@code AWS_REGION}, {@code
     * STRIPE_EDGE_SQS_ENDPOINT}.
     */
    static @Nullable Target fromEnvironment(Map<String, String> environment) {
      String url = environment.get("STRIPE_EDGE_WEBHOOK_QUEUE_URL");
      if (url == null || url.isBlank()) {
        return null;
      }
      return new Target(
          url.strip(),
          environment.getOrDefault("AWS_REGION", "").strip(),
          environment.getOrDefault("STRIPE_EDGE_SQS_ENDPOINT", "").strip());
    }
  }

  /** SQS's message limit is 256 KiB, attributes included: room left for them. */
  static final int MAX_BODY_BYTES = 250_000;

  private final SqsClient sqs;
  private final String queueUrl;
  private final boolean fifo;

  private WebhookFanout(SqsClient sqs, String queueUrl) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.fifo = queueUrl.endsWith(".fifo");
  }

  static WebhookFanout open(Target target) {
    SqsClientBuilder builder = SqsClient.builder().httpClient(UrlConnectionHttpClient.create());
    if (!target.region().isEmpty()) {
      builder.region(Region.of(target.region()));
    }
    if (!target.endpoint().isEmpty()) {
      builder.endpointOverride(URI.create(target.endpoint()));
    }
    return new WebhookFanout(builder.build(), target.queueUrl());
  }

  /** Sends {@code event}; throws the SDK's {@link RuntimeException} when SQS did not take it. */
  void send(StripeEvent event, byte[] payload) {
    String body =
        payload.length <= MAX_BODY_BYTES
            ? new String(payload, StandardCharsets.UTF_8)
            : "{\"id\":\""
                + HttpEvents.escape(event.id())
                + "\",\"object\":\"event\",\"type\":\""
                + HttpEvents.escape(event.type())
                + "\",\"truncated\":true}";
    SendMessageRequest.Builder request =
        SendMessageRequest.builder()
            .queueUrl(queueUrl)
            .messageBody(body)
            .messageAttributes(
                Map.of(
                    "stripe-event-id", text(event.id()),
                    "stripe-event-type", text(event.type())));
    if (fifo) {
      String group = event.objectId();
      request
          .messageGroupId(group == null ? event.type() : group)
          .messageDeduplicationId(event.id());
    }
    sqs.sendMessage(request.build());
  }

  private static MessageAttributeValue text(String value) {
    return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
  }

  @Override
  public void close() {
    sqs.close();
  }
}
