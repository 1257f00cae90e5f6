package dev.stripeedge.queue.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Opens the Kafka clients of the write queue and its topic; stateless. */
public final class KafkaQueues {

  /** Records are kept 14 days: far past the 23 h after which a write is dead anyway. */
  private static final String RETENTION_MS = Long.toString(Duration.ofDays(14).toMillis());

  private KafkaQueues() {}

  /**
   * The producer: every in-sync replica acknowledges a record before {@code send} completes, and
   * retries never duplicate or reorder one (idempotent); a broker that does not answer fails the
   * send within 30 s, which the edge answers with a 503.
   */
  public static KafkaProducer<byte[], byte[]> producer(KafkaQueueSettings settings) {
    Map<String, Object> config = common(settings);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 25_000);
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * The consumer, in the edges' group: offsets committed by the queue only (auto-commit off), a new
   * group starting at the topic's beginning (no write accepted before the first edge started is
   * skipped).
   */
  public static KafkaConsumer<byte[], byte[]> consumer(KafkaQueueSettings settings) {
    Map<String, Object> config = common(settings);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** An admin client; the caller closes it. */
  public static Admin admin(KafkaQueueSettings settings) {
    return Admin.create(common(settings));
  }

  private static Map<String, Object> common(KafkaQueueSettings settings) {
    Map<String, Object> config = new HashMap<>(settings.client());
    config.put("bootstrap.servers", settings.bootstrapServers());
    config.putIfAbsent("client.id", "stripe-edge-writes");
    return config;
  }

  /**
   * Creates the write topic when missing ({@code partitions}, {@code replicationFactor}, deletion
   * after 14 days); refuses an existing one that is compacted, since compaction keeps only the last
   * record of a key and so would drop an object's earlier writes.
   *
   * @throws IllegalStateException the topic is compacted, or Kafka did not answer
   */
  public static void ensureTopic(Admin admin, KafkaQueueSettings settings) {
    String topic = settings.topic();
    try {
      if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
        NewTopic created =
            new NewTopic(
                    topic,
                    Optional.of(settings.partitions()),
                    settings.replicationFactor() == -1
                        ? Optional.empty()
                        : Optional.of(settings.replicationFactor()))
                .configs(
                    Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG,
                        TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG,
                        RETENTION_MS));
        try {
          admin.createTopics(List.of(created)).all().get(30, TimeUnit.SECONDS);
          return;
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
          // Another edge created it meanwhile: checked below like any existing topic.
        }
      }
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config config =
          admin.describeConfigs(Set.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
      String policy =
          config == null || config.get(TopicConfig.CLEANUP_POLICY_CONFIG) == null
              ? TopicConfig.CLEANUP_POLICY_DELETE
              : config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
      if (policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
        throw new IllegalStateException(
            "the Kafka write topic "
                + topic
                + " is compacted (cleanup.policy="
                + policy
                + "): compaction would drop an object's earlier writes; use a topic with"
                + " cleanup.policy=delete");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing the Kafka write topic", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(
          "preparing the Kafka write topic " + topic + " failed: " + cause, cause);
    }
  }
}
