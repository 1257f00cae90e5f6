package dev.stripeedge.bench.async;

import dev.stripeedge.queue.kafka.KafkaBroker;
import dev.stripeedge.queue.sqs.ElasticMq;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The queue servers {@code bench async} runs its SQS and Kafka edges against, in the benchmark's
 * JVM as the queues' own tests start them: ElasticMQ for SQS, a real Kafka broker in KRaft mode for
 * Kafka. Each is started the first time a backend needs it, and closed with this.
 *
 * <p>The edge is pointed at them through its ordinary settings ({@code asyncWrites.queue} and
 * {@code asyncWrites.queueOptions}, the keys {@code bin/stripe-edge serve} reads).
 */
final class QueueServers implements AutoCloseable {

  private @Nullable ElasticMq sqs;
  private @Nullable KafkaBroker kafka;

  /**
   * The {@code asyncWrites.*} settings of an edge on {@code queue}; {@code run} names its queue.
   */
  Map<String, Object> settings(String queue, String run) {
    return switch (queue) {
      case "sqlite" -> Map.of("asyncWrites.queue", "sqlite");
      case "sqs" -> {
        ElasticMq server = sqs;
        if (server == null) {
          server = ElasticMq.start();
          sqs = server;
          // The AWS SDK's default chain reads these; ElasticMQ takes any credentials.
          System.setProperty("aws.accessKeyId", "bench");
          System.setProperty("aws.secretAccessKey", "bench");
        }
        yield Map.of(
            "asyncWrites.queue",
            "sqs",
            "asyncWrites.queueOptions",
            Map.of(
                "endpoint", server.endpoint(), "region", "us-east-1", "queueName", run + ".fifo"));
      }
      case "kafka" -> {
        KafkaBroker broker = kafka;
        if (broker == null) {
          broker = KafkaBroker.start();
          kafka = broker;
        }
        yield Map.of(
            "asyncWrites.queue",
            "kafka",
            "asyncWrites.queueOptions",
            Map.of(
                "bootstrapServers",
                broker.bootstrapServers(),
                "topic",
                run,
                "group",
                run,
                "client.group.instance.id",
                "bench-edge"));
      }
      default -> throw new IllegalArgumentException("unknown queue " + queue);
    };
  }

  @Override
  public void close() {
    if (sqs != null) {
      sqs.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }
}
