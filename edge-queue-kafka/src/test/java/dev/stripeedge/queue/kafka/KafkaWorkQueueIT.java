package dev.stripeedge.queue.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.queue.Delivery;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import dev.stripeedge.testkit.Waits;
import dev.stripeedge.testkit.WorkQueueContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kafka queue passes the work-queue contract kit against a real broker (Kafka's own KRaft
 * server, started once for the class): a fresh topic, consumer group and record file per test; a
 * restart reopens all three (new producer and consumer in the same group, same topic, same file),
 * so redelivery after a crash is Kafka's own uncommitted offsets read again. Then what is Kafka's
 * own: the committed offset never passes a write without an outcome, a write another edge accepted
 * is recorded and applied by the edge that reads it, and a record read after Stripe's key window is
 * dead, not sent.
 */
class KafkaWorkQueueIT extends WorkQueueContract {

  private static KafkaBroker broker;

  private Path file;
  private KafkaQueueSettings settings;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Override
  protected WorkQueue newQueue() throws Exception {
    file = Files.createTempDirectory("edge-kafka").resolve("edge.db");
    String name = "writes-" + UUID.randomUUID();
    settings =
        KafkaQueueSettings.of(
            Map.of(
                "bootstrapServers",
                broker.bootstrapServers(),
                "topic",
                name,
                "group",
                name,
                "partitions",
                "3"));
    try (var admin = KafkaQueues.admin(settings)) {
      KafkaQueues.ensureTopic(admin, settings);
    }
    return open();
  }

  @Override
  protected WorkQueue reopen(WorkQueue current) {
    current.close();
    return open();
  }

  private WorkQueue open() {
    return KafkaWorkQueue.over(
        KafkaQueues.producer(settings),
        KafkaQueues.consumer(settings),
        settings.topic(),
        SqliteWorkQueue.open(file));
  }

  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
  private static final Duration LEASE = Duration.ofSeconds(30);

  /** A one-partition topic and its group, so offsets are the order of sending. */
  private static KafkaQueueSettings onePartition() {
    return topic(1);
  }

  /** A topic of {@code partitions} and its group. */
  private static KafkaQueueSettings topic(int partitions) {
    String name = "own-" + UUID.randomUUID();
    KafkaQueueSettings settings =
        KafkaQueueSettings.of(
            Map.of(
                "bootstrapServers",
                broker.bootstrapServers(),
                "topic",
                name,
                "group",
                name,
                "partitions",
                Integer.toString(partitions)));
    try (var admin = KafkaQueues.admin(settings)) {
      KafkaQueues.ensureTopic(admin, settings);
    }
    return settings;
  }

  private static KafkaWorkQueue open(KafkaQueueSettings settings, Path file) {
    return KafkaWorkQueue.over(
        KafkaQueues.producer(settings),
        KafkaQueues.consumer(settings),
        settings.topic(),
        SqliteWorkQueue.open(file));
  }

  private static QueuedWrite write(String orderKey, Instant at) {
    String id = "aw_" + UUID.randomUUID().toString().replace("-", "");
    return new QueuedWrite(
        id,
        new EdgeRequest(
            "POST",
            "/v1/customers",
            "",
            Map.of("idempotency-key", List.of("key-" + id)),
            "name=K".getBytes(StandardCharsets.UTF_8)),
        orderKey,
        null,
        at);
  }

  /** The group's committed offset of partition 0, or -1. */
  private static long committed(KafkaQueueSettings settings) throws Exception {
    return committed(settings, 0);
  }

  private static long committed(KafkaQueueSettings settings, int partition) throws Exception {
    try (Admin admin = broker.admin()) {
      OffsetAndMetadata offset =
          admin
              .listConsumerGroupOffsets(settings.group())
              .partitionsToOffsetAndMetadata()
              .get()
              .get(new TopicPartition(settings.topic(), partition));
      return offset == null ? -1 : offset.offset();
    }
  }

  /** The end offset of each partition. */
  private static Map<Integer, Long> ends(KafkaQueueSettings settings, int partitions)
      throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      latest.put(new TopicPartition(settings.topic(), p), OffsetSpec.latest());
    }
    Map<Integer, Long> out = new HashMap<>();
    try (Admin admin = broker.admin()) {
      admin
          .listOffsets(latest)
          .all()
          .get()
          .forEach((partition, info) -> out.put(partition.partition(), info.offset()));
    }
    return out;
  }

  @Test
  void noWriteIsLostWhenPartitionsMoveToASecondEdge() throws Exception {
    KafkaQueueSettings settings = topic(3);
    Instant now = T0.plusSeconds(1);
    Set<String> accepted = new HashSet<>();
    Set<String> applied = new HashSet<>();
    Set<String> bySecond = new HashSet<>();
    try (KafkaWorkQueue first =
        open(settings, Files.createTempDirectory("edge-1").resolve("edge.db"))) {
      // Four objects in each partition (Kafka's own partitioner: murmur2 of the key).
      int[] perPartition = new int[3];
      for (int i = 0; accepted.size() < 12; i++) {
        String key = "obj:cus_" + i;
        int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 3;
        if (perPartition[partition] < 4) {
          perPartition[partition]++;
          QueuedWrite write = write(key, T0);
          first.enqueue(write, 100);
          accepted.add(write.id());
        }
      }
      // The first edge applies two (of one partition at most, so every partition keeps unfinished
      // writes), then a second joins the group: a rebalance mid-drain.
      for (Delivery delivery : first.poll(2, now, LEASE)) {
        first.finish(delivery, WriteState.SUCCEEDED, 200, null, new byte[0], "", now);
        applied.add(delivery.write().id());
      }
      try (KafkaWorkQueue second =
          open(settings, Files.createTempDirectory("edge-2").resolve("edge.db"))) {
        // The first edge's remaining writes are read but not leased: the partitions the group
        // gives the second are read there again from the last commit, and applied there.
        Waits.until(
            "the second edge applies writes of the partitions it was given",
            () -> {
              for (Delivery delivery : second.poll(10, now, LEASE)) {
                second.finish(delivery, WriteState.SUCCEEDED, 200, null, new byte[0], "", now);
                applied.add(delivery.write().id());
                bySecond.add(delivery.write().id());
              }
              return !bySecond.isEmpty();
            });
        Waits.until(
            "every accepted write applied by one edge or the other",
            () -> {
              for (KafkaWorkQueue edge : List.of(first, second)) {
                for (Delivery delivery : edge.poll(10, now, LEASE)) {
                  edge.finish(delivery, WriteState.SUCCEEDED, 200, null, new byte[0], "", now);
                  applied.add(delivery.write().id());
                  if (edge == second) {
                    bySecond.add(delivery.write().id());
                  }
                }
              }
              return applied.containsAll(accepted);
            });
        assertThat(applied).isEqualTo(accepted);
        // Recorded in the second edge's own file.
        assertThat(second.status(bySecond.iterator().next()).orElseThrow().state())
            .isEqualTo(WriteState.SUCCEEDED);
        Map<Integer, Long> ends = ends(settings, 3);
        Waits.until(
            "every partition committed to its end",
            () -> {
              for (int p = 0; p < 3; p++) {
                if (committed(settings, p) != ends.get(p)) {
                  return false;
                }
              }
              return true;
            });
      }
    }
  }

  @Test
  void theCommittedOffsetNeverPassesAWriteWithoutAnOutcome() throws Exception {
    KafkaQueueSettings settings = onePartition();
    Path file = Files.createTempDirectory("edge-kafka").resolve("edge.db");
    QueuedWrite first = write("obj:cus_1", T0);
    QueuedWrite second = write("obj:cus_2", T0.plusMillis(1));
    KafkaWorkQueue edge = open(settings, file);
    edge.enqueue(first, 100);
    edge.enqueue(second, 100);
    List<Delivery> both = edge.poll(10, T0.plusSeconds(1), LEASE);
    assertThat(both).extracting(d -> d.write().id()).containsExactly(first.id(), second.id());

    // The later write finishes, the earlier is still in flight: the commit stays at the earlier.
    edge.finish(
        both.get(1), WriteState.SUCCEEDED, 200, "req_2", new byte[0], "", T0.plusSeconds(1));
    Waits.until("offset 0 committed", () -> committed(settings) == 0);
    edge.close(); // a crash: the earlier write's outcome never recorded

    KafkaWorkQueue restarted = open(settings, file);
    List<Delivery> again = restarted.poll(10, T0.plusSeconds(1).plus(LEASE), LEASE);
    // Read again from offset 0: the unfinished write delivered again, the finished one skipped.
    assertThat(again).extracting(d -> d.write().id()).containsExactly(first.id());
    assertThat(again.get(0).attempt()).isEqualTo(2);
    assertThat(committed(settings)).isZero();

    restarted.finish(again.get(0), WriteState.SUCCEEDED, 200, "req_1", new byte[0], "", T0);
    Waits.until("offset 2 committed", () -> committed(settings) == 2);
    restarted.close();
  }

  @Test
  void aWriteAnotherEdgeAcceptedIsRecordedAndAppliedWhereItIsRead() throws Exception {
    KafkaQueueSettings settings = onePartition();
    QueuedWrite write = write("obj:cus_1", T0);
    KafkaWorkQueue accepting =
        open(settings, Files.createTempDirectory("edge-a").resolve("edge.db"));
    accepting.enqueue(write, 100);
    accepting.close();

    try (KafkaWorkQueue applying =
        open(settings, Files.createTempDirectory("edge-b").resolve("edge.db"))) {
      List<Delivery> got = applying.poll(10, T0, LEASE);

      assertThat(got).extracting(d -> d.write().id()).containsExactly(write.id());
      assertThat(got.get(0).write().idempotencyKey()).isEqualTo(write.idempotencyKey());
      assertThat(applying.status(write.id()).orElseThrow().state()).isEqualTo(WriteState.IN_FLIGHT);
    }
  }

  @Test
  void aRecordReadAfterStripesKeyWindowIsDeadAndAForeignRecordIsSkipped() throws Exception {
    KafkaQueueSettings settings = onePartition();
    QueuedWrite old = write("obj:cus_1", T0);
    try (KafkaProducer<byte[], byte[]> producer = KafkaQueues.producer(settings)) {
      producer
          .send(
              new ProducerRecord<>(
                  settings.topic(), "not-ours".getBytes(StandardCharsets.UTF_8), new byte[] {1}))
          .get();
      producer
          .send(
              new ProducerRecord<>(
                  settings.topic(),
                  old.orderKey().getBytes(StandardCharsets.UTF_8),
                  WriteRecords.encode(old)))
          .get();
    }

    try (KafkaWorkQueue edge =
        open(settings, Files.createTempDirectory("edge-late").resolve("edge.db"))) {
      assertThat(edge.poll(10, T0.plus(Duration.ofHours(25)), LEASE)).isEmpty();

      var status = edge.status(old.id()).orElseThrow();
      assertThat(status.state()).isEqualTo(WriteState.DEAD);
      assertThat(status.reason()).contains("24 h");
      Waits.until("both records committed past", () -> committed(settings) == 2);
    }
  }
}
