package dev.stripeedge.queue.kafka;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Where the Kafka write queue is ({@code asyncWrites.queueOptions} when {@code asyncWrites.queue:
 * kafka}). Immutable; the constructor names a bad value.
 *
 * @param bootstrapServers the brokers to start from ({@code host:port,host:port}); required
 * @param topic the topic carrying the writes; created when missing
 * @param group the consumer group of the edges applying them (every edge of one fleet the same)
 * @param partitions the partition count a created topic gets (at most this many edges apply writes
 *     at once; an existing topic keeps its own)
 * @param replicationFactor the replication a created topic gets, or -1 for the brokers' default
 * @param client further Kafka client settings, passed to the producer, consumer and admin client as
 *     they are (security: {@code security.protocol}, {@code sasl.*}, {@code ssl.*}); never logged,
 *     they may hold a secret
 */
public record KafkaQueueSettings(
    String bootstrapServers,
    String topic,
    String group,
    int partitions,
    short replicationFactor,
    Map<String, String> client) {

  private static final Set<String> KEYS =
      Set.of("bootstrapServers", "topic", "group", "partitions", "replicationFactor");

  /** Prefix of the options passed to the Kafka clients as they are. */
  public static final String CLIENT_PREFIX = "client.";

  /**
   * Client settings the queue sets itself: what its guarantees rest on (acknowledgement by every
   * in-sync replica, commits only after outcomes, one order per key).
   */
  private static final Set<String> OWN_CLIENT_KEYS =
      Set.of(
          "bootstrap.servers",
          "group.id",
          "enable.auto.commit",
          "acks",
          "enable.idempotence",
          "key.serializer",
          "value.serializer",
          "key.deserializer",
          "value.deserializer",
          "auto.offset.reset",
          "partitioner.class");

  public KafkaQueueSettings {
    if (bootstrapServers.isBlank()
        || !bootstrapServers.matches("[A-Za-z0-9.:\\[\\]_-]+(,[A-Za-z0-9.:\\[\\]_-]+)*")) {
      throw new IllegalArgumentException(
          "asyncWrites.queueOptions.bootstrapServers must list Kafka brokers as host:port,…: "
              + bootstrapServers);
    }
    if (!topic.matches("[A-Za-z0-9._-]{1,249}") || topic.equals(".") || topic.equals("..")) {
      throw new IllegalArgumentException(
          "asyncWrites.queueOptions.topic must be a Kafka topic name (letters, digits, '.', '_',"
              + " '-'; at most 249): "
              + topic);
    }
    if (group.isBlank()) {
      throw new IllegalArgumentException("asyncWrites.queueOptions.group must not be empty");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "asyncWrites.queueOptions.partitions must be at least 1: " + partitions);
    }
    if (replicationFactor < 1 && replicationFactor != -1) {
      throw new IllegalArgumentException(
          "asyncWrites.queueOptions.replicationFactor must be at least 1 (or -1, the brokers'"
              + " default): "
              + replicationFactor);
    }
    for (String key : client.keySet()) {
      if (OWN_CLIENT_KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "asyncWrites.queueOptions.client." + key + " is set by the Kafka queue itself");
      }
    }
    client = Map.copyOf(client);
  }

  /**
   * The settings in {@code options}: {@code bootstrapServers} (required), {@code topic} (default
   * {@code stripe-edge-writes}), {@code group} ({@code stripe-edge-writers}), {@code partitions}
   * (12), {@code replicationFactor} (-1) and {@code client.*}.
   *
   * @throws IllegalArgumentException an unknown key, or a bad value
   */
  public static KafkaQueueSettings of(Map<String, String> options) {
    Map<String, String> client = new TreeMap<>();
    for (Map.Entry<String, String> option : options.entrySet()) {
      String key = option.getKey();
      if (key.startsWith(CLIENT_PREFIX) && key.length() > CLIENT_PREFIX.length()) {
        client.put(key.substring(CLIENT_PREFIX.length()), option.getValue());
      } else if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "asyncWrites.queueOptions for kafka are bootstrapServers, topic, group, partitions,"
                + " replicationFactor and client.*: "
                + key);
      }
    }
    return new KafkaQueueSettings(
        value(options.get("bootstrapServers"), ""),
        value(options.get("topic"), "stripe-edge-writes"),
        value(options.get("group"), "stripe-edge-writers"),
        number("partitions", options.get("partitions"), 12),
        (short) number("replicationFactor", options.get("replicationFactor"), -1),
        client);
  }

  private static String value(@Nullable String value, String otherwise) {
    return value == null || value.isBlank() ? otherwise : value.strip();
  }

  private static int number(String key, @Nullable String value, int otherwise) {
    if (value == null || value.isBlank()) {
      return otherwise;
    }
    try {
      int parsed = Integer.parseInt(value.strip());
      if (parsed > Short.MAX_VALUE && key.equals("replicationFactor")) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "asyncWrites.queueOptions." + key + " must be a whole number: " + value, e);
    }
  }

  @Override
  public String toString() {
    // client.* may hold a secret (sasl.jaas.config): only its keys are shown.
    return "KafkaQueueSettings[bootstrapServers="
        + bootstrapServers
        + ", topic="
        + topic
        + ", group="
        + group
        + ", partitions="
        + partitions
        + ", replicationFactor="
        + replicationFactor
        + ", client="
        + client.keySet()
        + "]";
  }
}
