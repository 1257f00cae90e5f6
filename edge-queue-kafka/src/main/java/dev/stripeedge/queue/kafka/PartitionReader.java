package dev.stripeedge.queue.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;

/**
 * The consumer side of the Kafka queue: one thread owns the {@link Consumer} (it is not
 * thread-safe), subscribes to the topic in the edges' consumer group, hands every record it reads
 * to the queue ({@link #drain}), and commits, per partition, the offset of the first record whose
 * write is not finished yet ({@link #done} marks one finished). So a committed offset never passes
 * a write without a recorded outcome: after a crash, or when a partition moves to another edge,
 * reading resumes at the oldest unfinished write and everything after it is read again (and skipped
 * where the outcome is on record; sent again under its own key where it is not).
 *
 * <p>Reading pauses while more than {@link #MAX_HELD} records are read and unfinished, so a large
 * backlog stays in Kafka rather than in this heap.
 */
final class PartitionReader implements AutoCloseable {

  private static final System.Logger log = System.getLogger(PartitionReader.class.getName());

  /** Records read and not finished beyond which reading pauses. */
  static final int MAX_HELD = 10_000;

  private static final Duration POLL = Duration.ofMillis(100);

  /**
   * A record read.
   *
   * @param partition its partition
   * @param offset its offset
   * @param value its value (null for a tombstone: not a write)
   */
  record Read(TopicPartition partition, long offset, byte @Nullable [] value) {}

  /** What is known of one assigned partition. Guarded by the reader. */
  private static final class Progress {
    /** The offset after the last record handed over, or -1 before the first. */
    long next = -1;

    /** The consumer's position (the next offset it reads), or -1 while unknown. */
    long position = -1;

    /** The partition's end when it was assigned, until read up to it; then -1. */
    long catchUp = -1;

    /** The offset last committed by this reader, or -1. */
    long committed = -1;

    /** Offsets handed over whose writes are not finished. */
    final TreeSet<Long> unfinished = new TreeSet<>();
  }

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private @Nullable Thread thread;
  private volatile boolean running = true;

  // Guarded by this.
  private final Map<TopicPartition, Progress> assigned = new HashMap<>();
  private final List<Read> fresh = new ArrayList<>();
  private final Set<TopicPartition> revoked = new HashSet<>();
  private boolean everAssigned;
  private int held;

  PartitionReader(Consumer<byte[], byte[]> consumer, String topic) {
    this.consumer = consumer;
    this.topic = topic;
  }

  /** Starts reading on a thread of its own (not in the constructor: the thread runs this). */
  synchronized void start() {
    if (thread == null) {
      thread = Thread.ofPlatform().daemon().name("kafka-write-reader-" + topic).start(this::run);
    }
  }

  /** The records read since the last call, in offset order per partition. */
  synchronized List<Read> drain() {
    List<Read> out = List.copyOf(fresh);
    fresh.clear();
    return out;
  }

  /** The partitions taken from this reader since the last call: their records are not ours now. */
  synchronized Set<TopicPartition> drainRevoked() {
    Set<TopicPartition> out = Set.copyOf(revoked);
    revoked.clear();
    return out;
  }

  /** The write of the record at {@code offset} is finished (or was never a write). */
  synchronized void done(TopicPartition partition, long offset) {
    Progress progress = assigned.get(partition);
    if (progress != null && progress.unfinished.remove(offset)) {
      held--;
    }
  }

  /**
   * Waits, at most {@code bound}, until this reader has its first assignment, has read each newly
   * assigned partition up to where it ended when assigned (the backlog a restart finds), and has
   * read past each offset in {@code produced} whose partition it holds: so a poll right after a
   * start, or after this edge accepted a write, sees those writes. Partitions held by other edges
   * are not waited for.
   */
  synchronized void awaitRead(Map<TopicPartition, Long> produced, Duration bound)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (running && behind(produced)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  private boolean behind(Map<TopicPartition, Long> produced) {
    if (!everAssigned) {
      return true;
    }
    for (Progress progress : assigned.values()) {
      if (progress.catchUp >= 0) {
        if (Math.max(progress.next, progress.position) < progress.catchUp) {
          return true;
        }
        progress.catchUp = -1;
      }
    }
    for (Map.Entry<TopicPartition, Long> entry : produced.entrySet()) {
      Progress progress = assigned.get(entry.getKey());
      if (progress != null && Math.max(progress.next, progress.position) <= entry.getValue()) {
        return true;
      }
    }
    return false;
  }

  private void run() {
    try {
      // The group assigns what its leader's metadata lists: a topic created a moment ago may not be
      // in it yet, and the first assignment would be empty. Wait (bounded) until it is known.
      for (int tries = 0; tries < 100 && running; tries++) {
        try {
          if (!consumer.partitionsFor(topic, Duration.ofSeconds(5)).isEmpty()) {
            break;
          }
        } catch (KafkaException e) {
          // Not answered in time: asked again; subscribing does not need the answer.
        }
        pause(100);
      }
      consumer.subscribe(List.of(topic), new Rebalance());
      while (running) {
        try {
          take(consumer.poll(POLL));
          commitFinished(null);
          throttle();
        } catch (WakeupException e) {
          // close() asked: the loop ends.
        } catch (RuntimeException e) {
          // A broker answering badly, or an authorization refused: logged, and read again after
          // a pause (a closing edge ends the pause). The reader never stops while the queue is
          // open: a stopped reader would leave every write unread.
          log.log(System.Logger.Level.WARNING, "reading the Kafka write topic: " + e);
          pause(1_000);
        }
      }
      try {
        commitFinished(null);
      } catch (WakeupException e) {
        // close() asked after the last poll: the wake-up is spent, the commit is made now.
        commitFinished(null);
      }
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "the Kafka write reader stopped: " + e);
    } finally {
      try {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "closing the Kafka consumer: " + e);
      }
      synchronized (this) {
        running = false;
        notifyAll();
      }
    }
  }

  private void take(Iterable<ConsumerRecord<byte[], byte[]>> records) {
    synchronized (this) {
      for (ConsumerRecord<byte[], byte[]> record : records) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        Progress progress = assigned.get(partition);
        if (progress == null) {
          continue;
        }
        progress.unfinished.add(record.offset());
        progress.next = record.offset() + 1;
        held++;
        fresh.add(new Read(partition, record.offset(), record.value()));
      }
      for (Map.Entry<TopicPartition, Progress> entry : assigned.entrySet()) {
        try {
          entry.getValue().position = consumer.position(entry.getKey(), Duration.ZERO);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
          // Not known yet (its committed offset is being fetched): the next round.
        }
      }
      notifyAll();
    }
  }

  /**
   * Commits, for each partition (or only {@code only}), the offset of its first unfinished record
   * (after its last record read when none is unfinished), where that moved.
   */
  private void commitFinished(@Nullable Collection<TopicPartition> only) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    synchronized (this) {
      for (Map.Entry<TopicPartition, Progress> entry : assigned.entrySet()) {
        Progress progress = entry.getValue();
        if ((only != null && !only.contains(entry.getKey())) || progress.next < 0) {
          continue;
        }
        long commit = progress.unfinished.isEmpty() ? progress.next : progress.unfinished.first();
        if (commit > progress.committed) {
          offsets.put(entry.getKey(), new OffsetAndMetadata(commit));
        }
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(offsets, Duration.ofSeconds(10));
      synchronized (this) {
        offsets.forEach(
            (partition, offset) -> {
              Progress progress = assigned.get(partition);
              if (progress != null) {
                progress.committed = Math.max(progress.committed, offset.offset());
              }
            });
      }
    } catch (CommitFailedException | org.apache.kafka.common.errors.TimeoutException e) {
      // The group moved on (rebalanced) or the broker was slow: the next round commits again;
      // what was not committed is read again by whoever holds the partition, and skipped there
      // where its outcome is on record.
      log.log(System.Logger.Level.DEBUG, "committing write offsets: " + e);
    }
  }

  private void throttle() {
    boolean over;
    synchronized (this) {
      over = held > MAX_HELD;
    }
    if (over && consumer.paused().isEmpty()) {
      consumer.pause(consumer.assignment());
    } else if (!over && !consumer.paused().isEmpty()) {
      consumer.resume(consumer.paused());
    }
  }

  private synchronized void pause(long millis) {
    try {
      if (running) {
        wait(millis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /** Runs on the reader's thread, inside {@code poll}. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Handed over in good order: what is finished is committed for the next holder.
      commitFinished(partitions);
      forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      Map<TopicPartition, Long> ends = Map.of();
      if (!partitions.isEmpty()) {
        try {
          ends = consumer.endOffsets(partitions, Duration.ofSeconds(5));
        } catch (KafkaException e) {
          // Unknown for now: a poll after this start does not wait for the backlog.
          log.log(System.Logger.Level.DEBUG, "reading the write topic's end offsets: " + e);
        }
      }
      synchronized (PartitionReader.this) {
        for (TopicPartition partition : partitions) {
          Progress progress = new Progress();
          progress.catchUp = ends.getOrDefault(partition, -1L);
          assigned.putIfAbsent(partition, progress);
        }
        everAssigned = true;
        PartitionReader.this.notifyAll();
      }
    }

    private void forget(Collection<TopicPartition> partitions) {
      synchronized (PartitionReader.this) {
        for (TopicPartition partition : partitions) {
          Progress progress = assigned.remove(partition);
          if (progress != null) {
            held -= progress.unfinished.size();
          }
          revoked.add(partition);
        }
        fresh.removeIf(read -> partitions.contains(read.partition()));
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      running = false;
      notifyAll();
    }
    consumer.wakeup();
    Thread running;
    synchronized (this) {
      running = thread;
    }
    if (running == null) {
      consumer.close(CloseOptions.timeout(Duration.ZERO));
      return;
    }
    try {
      running.join(Duration.ofSeconds(15));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
