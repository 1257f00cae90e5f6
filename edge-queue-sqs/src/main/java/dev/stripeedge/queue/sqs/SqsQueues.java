package dev.stripeedge.queue.sqs;

import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Opens SQS clients and the write queue; stateless. */
public final class SqsQueues {

  private SqsQueues() {}

  /** A blocking client for {@code settings} (region and endpoint when given, else the SDK's). */
  public static SqsClient client(SqsQueueSettings settings) {
    SqsClientBuilder builder = SqsClient.builder().httpClient(UrlConnectionHttpClient.create());
    if (!settings.region().isEmpty()) {
      builder.region(Region.of(settings.region()));
    }
    if (!settings.endpoint().isEmpty()) {
      builder.endpointOverride(URI.create(settings.endpoint()));
    }
    return builder.build();
  }

  /**
   * The URL of the FIFO queue {@code name}, created when missing: deduplication by the write's id
   * (content-based off), messages kept 14 days (SQS's longest; a write is dead after 23 h anyway).
   */
  public static String ensureFifoQueue(SqsClient sqs, String name) {
    return sqs.createQueue(
            request ->
                request
                    .queueName(name)
                    .attributes(
                        Map.of(
                            QueueAttributeName.FIFO_QUEUE, "true",
                            QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false",
                            QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600")))
        .queueUrl();
  }
}
