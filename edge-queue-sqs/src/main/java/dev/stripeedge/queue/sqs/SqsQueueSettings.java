package dev.stripeedge.queue.sqs;

import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where the SQS write queue is ({@code asyncWrites.queueOptions} when {@code asyncWrites.queue:
 * sqs}). Credentials come from the AWS SDK's default chain (environment, profile, instance role),
 * never from these settings. Immutable; the constructor names a bad value.
 *
 * @param queueName the FIFO queue's name (ending {@code .fifo}); created when missing, with
 *     deduplication by id (content-based deduplication off)
 * @param region the AWS region, or empty for the SDK's default chain ({@code AWS_REGION})
 * @param endpoint another endpoint than AWS's (ElasticMQ, a VPC endpoint), or empty
 */
public record SqsQueueSettings(String queueName, String region, String endpoint) {

  private static final Set<String> KEYS = Set.of("queueName", "region", "endpoint");

  public SqsQueueSettings {
    if (!queueName.matches("[A-Za-z0-9_-]{1,75}\\.fifo")) {
      throw new IllegalArgumentException(
          "asyncWrites.queueOptions.queueName must name an SQS FIFO queue"
              + " (letters, digits, '-', '_', ending .fifo): "
              + queueName);
    }
    if (!endpoint.isEmpty()) {
      URI uri = URI.create(endpoint);
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "asyncWrites.queueOptions.endpoint must be a URL: " + endpoint);
      }
    }
  }

  /**
   * The settings in {@code options} ({@code queueName}, {@code region}, {@code endpoint}).
   *
   * @throws IllegalArgumentException an unknown key, or a bad value
   */
  public static SqsQueueSettings of(Map<String, String> options) {
    for (String key : options.keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "asyncWrites.queueOptions for sqs are queueName, region and endpoint: " + key);
      }
    }
    return new SqsQueueSettings(
        options.getOrDefault("queueName", "stripe-edge-writes.fifo"),
        value(options.get("region")),
        value(options.get("endpoint")));
  }

  private static String value(@Nullable String value) {
    return value == null ? "" : value.strip();
  }
}
