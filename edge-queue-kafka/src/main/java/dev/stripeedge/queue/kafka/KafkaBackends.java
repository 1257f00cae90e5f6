package dev.stripeedge.queue.kafka;

import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.spi.WorkQueueBackend;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/** The Kafka backends, found through {@link java.util.ServiceLoader}. */
public final class KafkaBackends {

  private KafkaBackends() {}

  /**
   * {@code asyncWrites.queue: kafka}: writes on a Kafka topic ({@code queueOptions}: {@code
   * bootstrapServers}, {@code topic}, {@code group}, {@code partitions}, {@code replicationFactor},
   * {@code client.*}), created when missing; their records in the {@code store.path} file.
   */
  public static final class Queue implements WorkQueueBackend {

    @Override
    public String name() {
      return "kafka";
    }

    @Override
    public WorkQueue open(StoreContext context, Map<String, String> options) {
      KafkaQueueSettings settings = KafkaQueueSettings.of(options);
      try (Admin admin = KafkaQueues.admin(settings)) {
        KafkaQueues.ensureTopic(admin, settings);
      }
      KafkaProducer<byte[], byte[]> producer = KafkaQueues.producer(settings);
      KafkaConsumer<byte[], byte[]> consumer;
      SqliteWorkQueue records;
      try {
        consumer = KafkaQueues.consumer(settings);
      } catch (RuntimeException e) {
        producer.close();
        throw e;
      }
      try {
        records = SqliteWorkQueue.open(context.storeFile());
      } catch (RuntimeException e) {
        producer.close();
        consumer.close();
        throw e;
      }
      return KafkaWorkQueue.over(producer, consumer, settings.topic(), records);
    }
  }
}
