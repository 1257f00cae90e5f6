package dev.stripeedge.queue.kafka;

import dev.stripeedge.core.queue.Delivery;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.core.queue.RecordedQueue;
import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.queue.WriteStatus;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import dev.stripeedge.store.sqlite.TransportRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * The {@link WorkQueue} on Apache Kafka: each write travels as one record on a topic, keyed by its
 * order key (so one object's writes land in one partition, in acceptance order), read by the edges'
 * consumer group; its record (state, attempts, lease, Stripe's answer, callback) is a row in the
 * edge's SQLite file ({@link SqliteWorkQueue}'s table), which the status resource reads.
 *
 * <p>How the queue's terms map onto Kafka's:
 *
 * <ul>
 *   <li><b>Durable before ack</b>: {@link #enqueue} returns once the broker acknowledged the record
 *       (the producer asks {@code acks=all}, idempotent), so an accepted write survives the loss of
 *       this machine; the row is recorded after.
 *   <li><b>Ack = commit, after the outcome</b>: a partition's offset is committed only up to its
 *       first record whose write has no recorded outcome ({@link PartitionReader}). Until then the
 *       record stays in Kafka for whoever holds the partition next.
 *   <li><b>Lease and redelivery</b>: Kafka has no per-record lease. Records read are held in memory
 *       and leased through the row ({@link TransportRecords#lease}); a lease that runs out delivers
 *       the write again from memory. After a crash, the records after the last commit are read
 *       again; those whose row is finished are skipped, the others delivered again — always under
 *       the write's own idempotency key.
 *   <li><b>Per-object order</b>: within a partition, of the held records sharing an order key only
 *       the first unfinished one is leased; the key's later writes wait behind it (a retry backing
 *       off holds its object back, as in the other backends), other keys go on.
 *   <li><b>Dead letters and requeue</b>: a dead write's record is committed past like any finished
 *       one; {@link #requeue} sends it again as a new record.
 * </ul>
 *
 * <p>Thread-safe; every method may block on Kafka or the file.
 */
public final class KafkaWorkQueue extends RecordedQueue<SqliteWorkQueue> {

  /** Stripe keeps an idempotency key 24 h: a write read later than that is never sent. */
  static final Duration STRIPE_KEY_WINDOW = Duration.ofHours(24);

  /** How long a poll waits for the reader to see a write this edge itself just sent. */
  private static final Duration READ_OWN_WRITES = Duration.ofSeconds(5);

  private static final long SEND_TIMEOUT_SECONDS = 30;

  /** A record read and not finished. Guarded by the queue. */
  private static final class Held {
    final TopicPartition partition;
    final long offset;
    final String id;
    final String orderKey;
    Instant dueHint;

    Held(TopicPartition partition, long offset, QueuedWrite write) {
      this.partition = partition;
      this.offset = offset;
      this.id = write.id();
      this.orderKey = write.orderKey();
      this.dueHint = Instant.MIN;
    }
  }

  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final TransportRecords transport;
  private final PartitionReader reader;

  // Guarded by this.
  private final Map<TopicPartition, TreeMap<Long, Held>> held = new HashMap<>();
  private final Map<String, List<Held>> heldById = new HashMap<>();
  private final Map<TopicPartition, Long> produced = new HashMap<>();
  private boolean closed;

  private KafkaWorkQueue(
      Producer<byte[], byte[]> producer,
      Consumer<byte[], byte[]> consumer,
      String topic,
      SqliteWorkQueue records) {
    super(records);
    this.producer = producer;
    this.topic = topic;
    this.transport = records.transport();
    this.reader = new PartitionReader(consumer, topic);
  }

  /**
   * A queue on {@code topic} (which must exist), its records in {@code records}. The consumer must
   * have a group id, auto-commit off and byte-array deserializers; the producer {@code acks=all}.
   * Closing the queue closes all three.
   */
  public static KafkaWorkQueue over(
      Producer<byte[], byte[]> producer,
      Consumer<byte[], byte[]> consumer,
      String topic,
      SqliteWorkQueue records) {
    KafkaWorkQueue queue = new KafkaWorkQueue(producer, consumer, topic, records);
    queue.reader.start();
    return queue;
  }

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public void enqueue(QueuedWrite write, int maxQueued) {
    transport.admit(write, maxQueued);
    send(write);
    // Kafka first, the row second: a crash between leaves a record without a row, recorded by
    // whoever reads it; the other order would leave rows for writes that never reached Kafka.
    transport.adopt(write);
  }

  /**
   * Group commit: every write that passes the bound and the id check is handed to the producer
   * first, then each acknowledgement awaited, so a batch waits for about one round of {@code
   * acks=all}, not one per write. Sent in order, so one key's writes keep their order in its
   * partition (the idempotent producer keeps it across its requests in flight); each write's
   * outcome is its own acknowledgement's.
   */
  @Override
  public List<@Nullable RuntimeException> enqueueAll(List<QueuedWrite> writes, int maxQueued) {
    List<@Nullable RuntimeException> out = new ArrayList<>(writes.size());
    List<@Nullable Future<RecordMetadata>> sending = new ArrayList<>(writes.size());
    List<@Nullable RuntimeException> admitted = transport.admit(writes, maxQueued);
    for (int i = 0; i < writes.size(); i++) {
      @Nullable Future<RecordMetadata> sent = null;
      RuntimeException refused = admitted.get(i);
      if (refused != null) {
        out.add(refused);
      } else {
        try {
          sent = producer.send(record(writes.get(i)));
          out.add(null);
        } catch (RuntimeException e) {
          out.add(e);
        }
      }
      sending.add(sent);
    }
    for (int i = 0; i < writes.size(); i++) {
      @Nullable Future<RecordMetadata> sent = sending.get(i);
      if (sent != null) {
        try {
          acknowledged(sent);
          transport.adopt(writes.get(i));
        } catch (RuntimeException e) {
          out.set(i, e);
        }
      }
    }
    return out;
  }

  private ProducerRecord<byte[], byte[]> record(QueuedWrite write) {
    return new ProducerRecord<>(
        topic, write.orderKey().getBytes(StandardCharsets.UTF_8), WriteRecords.encode(write));
  }

  private void send(QueuedWrite write) {
    acknowledged(producer.send(record(write)));
  }

  private void acknowledged(Future<RecordMetadata> sending) {
    RecordMetadata sent;
    try {
      sent = sending.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while Kafka acknowledged a write", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("Kafka did not acknowledge the write: " + cause, cause);
    }
    synchronized (this) {
      produced.merge(new TopicPartition(sent.topic(), sent.partition()), sent.offset(), Math::max);
    }
  }

  @Override
  public List<Delivery> poll(int max, Instant now, Duration visibility) {
    if (max < 1) {
      return List.of();
    }
    Map<TopicPartition, Long> ownWrites;
    synchronized (this) {
      ownWrites = Map.copyOf(produced);
      produced.clear();
    }
    try {
      // Outside the queue's lock: enqueue goes on meanwhile.
      reader.awaitRead(ownWrites, READ_OWN_WRITES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
    synchronized (this) {
      if (closed) {
        return List.of();
      }
      for (TopicPartition partition : reader.drainRevoked()) {
        TreeMap<Long, Held> gone = held.remove(partition);
        if (gone != null) {
          gone.values().forEach(this::unindex);
        }
      }
      for (PartitionReader.Read read : reader.drain()) {
        take(read, now);
      }
      return lease(max, now, visibility);
    }
  }

  /** Records the write a record carries (when new) and holds it; skips what is not a write. */
  private void take(PartitionReader.Read read, Instant now) {
    QueuedWrite write;
    try {
      write = WriteRecords.decode(read.value());
    } catch (IllegalArgumentException e) {
      // Another producer's record on the topic: never ours to apply, committed past.
      reader.done(read.partition(), read.offset());
      return;
    }
    boolean recordedNow = transport.adopt(write);
    if (recordedNow && !write.acceptedAt().plus(STRIPE_KEY_WINDOW).isAfter(now)) {
      // Read after Stripe forgot its key (no row here: another edge's, or purged): sending it
      // now could apply it twice. Recorded dead, for an operator to look at.
      if (transport.lease(
              write.id(), now, Duration.ofMinutes(1), handle(read.partition(), read.offset()))
          instanceof TransportRecords.Lease.Granted granted) {
        records.finish(
            granted.delivery(),
            WriteState.DEAD,
            0,
            null,
            new byte[0],
            "read from Kafka after Stripe's 24 h idempotency window; not sent",
            now);
      }
      reader.done(read.partition(), read.offset());
      return;
    }
    Held entry = new Held(read.partition(), read.offset(), write);
    held.computeIfAbsent(read.partition(), p -> new TreeMap<>()).put(read.offset(), entry);
    heldById.computeIfAbsent(entry.id, id -> new ArrayList<>(1)).add(entry);
  }

  private List<Delivery> lease(int max, Instant now, Duration visibility) {
    List<Delivery> out = new ArrayList<>();
    List<Held> over = new ArrayList<>();
    for (TreeMap<Long, Held> partition : held.values()) {
      // Keys are partition-local (one key, one partition): a key seen unfinished blocks its
      // later records in this partition only.
      Set<String> busy = new HashSet<>();
      for (Held entry : partition.values()) {
        if (out.size() >= max) {
          break;
        }
        if (!busy.add(entry.orderKey) || entry.dueHint.isAfter(now)) {
          continue;
        }
        switch (transport.lease(entry.id, now, visibility, handle(entry.partition, entry.offset))) {
          case TransportRecords.Lease.Granted granted -> {
            out.add(granted.delivery());
            entry.dueHint = now.plus(visibility);
          }
          case TransportRecords.Lease.Finished finished -> {
            busy.remove(entry.orderKey);
            over.add(entry);
          }
          case TransportRecords.Lease.NotDue notDue -> entry.dueHint = notDue.at();
        }
      }
    }
    over.forEach(this::release);
    out.sort(Comparator.comparing((Delivery d) -> d.write().acceptedAt()));
    return out;
  }

  @Override
  public boolean retry(Delivery delivery, Instant notBefore, String reason, Instant now) {
    return records.retry(delivery, notBefore, reason, now) && later(delivery, notBefore);
  }

  @Override
  public boolean defer(Delivery delivery, Instant notBefore, String reason, Instant now) {
    // The attempt count lives in the row: taken back there; the record stays uncommitted.
    return records.defer(delivery, notBefore, reason, now) && later(delivery, notBefore);
  }

  /** The held records of a write given back are not tried before {@code notBefore}. */
  private synchronized boolean later(Delivery delivery, Instant notBefore) {
    for (Held entry : heldById.getOrDefault(delivery.write().id(), List.of())) {
      entry.dueHint = notBefore;
    }
    return true;
  }

  @Override
  public boolean finish(
      Delivery delivery,
      WriteState state,
      int status,
      @Nullable String requestId,
      byte[] body,
      String reason,
      Instant now) {
    if (!records.finish(delivery, state, status, requestId, body, reason, now)) {
      return false;
    }
    // Recorded first: only now may the offset move past the record.
    synchronized (this) {
      List<Held> entries = heldById.get(delivery.write().id());
      if (entries != null) {
        List.copyOf(entries).forEach(this::release);
      }
    }
    return true;
  }

  /** Drops a held record whose write is finished and lets the reader commit past it. */
  private void release(Held entry) {
    TreeMap<Long, Held> partition = held.get(entry.partition);
    if (partition != null) {
      partition.remove(entry.offset);
    }
    unindex(entry);
    reader.done(entry.partition, entry.offset);
  }

  private void unindex(Held entry) {
    List<Held> same = heldById.get(entry.id);
    if (same != null) {
      same.remove(entry);
      if (same.isEmpty()) {
        heldById.remove(entry.id);
      }
    }
  }

  /** Where a write's record is, kept in its row as the transport's handle (for operators). */
  private static String handle(TopicPartition partition, long offset) {
    return partition + "@" + offset;
  }

  @Override
  public boolean requeue(String id, Instant now) {
    Optional<QueuedWrite> write = transport.write(id);
    Optional<WriteStatus> status = records.status(id);
    if (write.isEmpty() || status.isEmpty() || status.get().state() != WriteState.DEAD) {
      return false;
    }
    // Its record was committed past when it died: a new record, the same write, sent before the
    // row is queued again so a queued row always has a record behind it. (Two requeues racing
    // send two records; the second is skipped behind the first, its write being the same.)
    send(write.get());
    return records.requeue(id, now);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    // The reader commits what is finished, then leaves the group: its partitions go to the other
    // edges at once instead of after the session timeout.
    reader.close();
    producer.close(Duration.ofSeconds(5));
    records.close();
  }

  @Override
  public String toString() {
    return "KafkaWorkQueue[" + topic + "]";
  }
}
