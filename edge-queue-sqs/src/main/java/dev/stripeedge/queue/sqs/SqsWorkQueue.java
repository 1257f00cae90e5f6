package dev.stripeedge.queue.sqs;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.queue.Delivery;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.core.queue.RecordedQueue;
import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import dev.stripeedge.store.sqlite.TransportRecords;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * The {@link WorkQueue} on Amazon SQS: each write travels as one message on a FIFO queue, in the
 * message group of its order key (so SQS itself delivers one write per object at a time, in
 * acceptance order), deduplicated by its id; its record (state, attempts, lease, Stripe's answer,
 * callback) is a row in the edge's SQLite file ({@link SqliteWorkQueue}'s table), which the status
 * resource reads.
 *
 * <p>What lives where, and why:
 *
 * <ul>
 *   <li><b>SQS holds the write</b> from acceptance until its outcome is recorded: {@link #enqueue}
 *       returns after SQS acknowledged the message, so an accepted write survives the loss of this
 *       machine. The message carries the whole write: an edge that receives a message it has no
 *       record of (another edge accepted it, or this one died between SQS's acknowledgement and its
 *       record) records it then.
 *   <li><b>The row holds what SQS cannot</b>: states and results (SQS keeps no finished messages),
 *       the attempt count, the delay before a retry, and the lease checked on finish. The row's
 *       lease is the edge's clock; SQS's visibility timeout is set to the same length, so a message
 *       whose worker died comes back by itself, and a message whose row is not due yet (a retry
 *       backing off) is hidden again for the rest of its delay.
 *   <li><b>The receipt handle</b> of each received message is kept in the row, so a lease that ran
 *       out or a retry that became due on the edge's clock gives the message back at once ({@code
 *       ChangeMessageVisibility 0}), after a restart too; {@link #finish} deletes the message.
 * </ul>
 *
 * <p>The bound ({@code maxQueued}) counts this edge's unfinished rows. Writes accepted by other
 * edges sharing the queue are recorded where they are applied; edges share statuses through a
 * {@code SharedStatusQueue} over this queue (the runtime adds it when the event store is shared),
 * which also {@link #settle settles} this edge's rows of writes another edge finished.
 *
 * <p>Thread-safe; every method blocks on SQS or the file.
 */
public final class SqsWorkQueue extends RecordedQueue<SqliteWorkQueue> {

  /** SQS's longest visibility timeout: 12 h. */
  private static final long MAX_VISIBILITY_SECONDS = 43_200;

  private final SqsClient sqs;
  private final String queueUrl;
  private final TransportRecords transport;
  private final boolean ownsClient;

  private SqsWorkQueue(
      SqsClient sqs, String queueUrl, SqliteWorkQueue records, boolean ownsClient) {
    super(records);
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.transport = records.transport();
    this.ownsClient = ownsClient;
  }

  /**
   * A queue on the FIFO queue at {@code queueUrl}, its records in {@code records}; closing it
   * closes {@code records} and, when {@code ownsClient}, the client.
   */
  public static SqsWorkQueue over(
      SqsClient sqs, String queueUrl, SqliteWorkQueue records, boolean ownsClient) {
    if (!queueUrl.endsWith(".fifo")) {
      throw new IllegalArgumentException(
          "the SQS write queue must be a FIFO queue (per-object order): " + queueUrl);
    }
    return new SqsWorkQueue(sqs, queueUrl, records, ownsClient);
  }

  @Override
  public String name() {
    return "sqs";
  }

  @Override
  public void enqueue(QueuedWrite write, int maxQueued) {
    transport.admit(write, maxQueued);
    send(write, write.id());
    transport.adopt(write);
  }

  /**
   * Group commit: the writes that pass the bound and the id check go to SQS in {@code
   * SendMessageBatch} calls of up to 10 ({@link SendBatches}), one round trip per call instead of
   * per write; each write's outcome is its own entry's (SQS answers per entry), so a write is
   * answered {@code 202} only once SQS acknowledged it. A call that fails as a whole fails its
   * writes only; the calls before it stand.
   */
  @Override
  public List<@Nullable RuntimeException> enqueueAll(List<QueuedWrite> writes, int maxQueued) {
    List<@Nullable RuntimeException> out = new ArrayList<>(transport.admit(writes, maxQueued));
    List<Integer> sending = new ArrayList<>();
    for (int i = 0; i < writes.size(); i++) {
      if (out.get(i) == null) {
        sending.add(i);
      }
    }
    List<String> bodies = new ArrayList<>(sending.size());
    List<Integer> sizes = new ArrayList<>(sending.size());
    for (int i : sending) {
      String body = MessageCodec.encode(writes.get(i));
      bodies.add(body);
      sizes.add(body.getBytes(StandardCharsets.UTF_8).length);
    }
    for (List<Integer> call : SendBatches.split(sizes)) {
      List<SendMessageBatchRequestEntry> entries = new ArrayList<>(call.size());
      for (int k : call) {
        QueuedWrite write = writes.get(sending.get(k));
        entries.add(
            SendMessageBatchRequestEntry.builder()
                .id("w" + k)
                .messageBody(bodies.get(k))
                .messageGroupId(messageGroup(write.orderKey()))
                .messageDeduplicationId(messageGroup(write.id()))
                .build());
      }
      try {
        SendMessageBatchResponse answer =
            sqs.sendMessageBatch(request -> request.queueUrl(queueUrl).entries(entries));
        for (BatchResultErrorEntry failed : answer.failed()) {
          int index = sending.get(Integer.parseInt(failed.id().substring(1)));
          out.set(
              index,
              new IllegalStateException(
                  "SQS did not take the write: " + failed.code() + " " + failed.message()));
        }
        for (SendMessageBatchResultEntry sent : answer.successful()) {
          int index = sending.get(Integer.parseInt(sent.id().substring(1)));
          try {
            transport.adopt(writes.get(index));
          } catch (RuntimeException e) {
            // As for one write: SQS holds it (a poll records it), but its 202 is not promised.
            out.set(index, e);
          }
        }
      } catch (RuntimeException e) {
        for (int k : call) {
          out.set(sending.get(k), e);
        }
      }
    }
    return out;
  }

  private void send(QueuedWrite write, String deduplicationId) {
    sqs.sendMessage(
        request ->
            request
                .queueUrl(queueUrl)
                .messageBody(MessageCodec.encode(write))
                .messageGroupId(messageGroup(write.orderKey()))
                .messageDeduplicationId(messageGroup(deduplicationId)));
  }

  @Override
  public List<Delivery> poll(int max, Instant now, Duration visibility) {
    if (max < 1) {
      return List.of();
    }
    // Due on the edge's clock but still hidden at SQS: given back first, so they come out below.
    for (TransportRecords.Held held : transport.releaseDue(now)) {
      changeVisibility(held.handle(), Duration.ZERO);
    }
    List<Delivery> out = new ArrayList<>();
    // One message a call: a batch may hold several of one message group, and only the first of a
    // group may be delivered; one at a time, SQS skips a group whose message is out.
    for (int receives = 0; out.size() < max && receives < max + 10; receives++) {
      List<Message> got =
          sqs.receiveMessage(
                  request ->
                      request
                          .queueUrl(queueUrl)
                          .maxNumberOfMessages(1)
                          .waitTimeSeconds(0)
                          .visibilityTimeout(seconds(visibility)))
              .messages();
      if (got.isEmpty()) {
        break;
      }
      Message message = got.get(0);
      QueuedWrite write;
      try {
        write = MessageCodec.decode(message.body());
      } catch (IllegalArgumentException | IllegalStateException e) {
        // Not a write of ours (someone else's message on the queue): hidden as long as SQS
        // allows, never deleted; SQS's retention drops it.
        changeVisibility(message.receiptHandle(), Duration.ofSeconds(MAX_VISIBILITY_SECONDS));
        continue;
      }
      transport.adopt(write);
      switch (transport.lease(write.id(), now, visibility, message.receiptHandle())) {
        case TransportRecords.Lease.Granted granted -> out.add(granted.delivery());
        case TransportRecords.Lease.Finished finished -> delete(message.receiptHandle());
        case TransportRecords.Lease.NotDue notDue ->
            changeVisibility(message.receiptHandle(), Duration.between(now, notDue.at()));
      }
    }
    out.sort(Comparator.comparing((Delivery d) -> d.write().acceptedAt()));
    return out;
  }

  @Override
  public boolean retry(Delivery delivery, Instant notBefore, String reason, Instant now) {
    return records.retry(delivery, notBefore, reason, now) && hide(delivery, notBefore, now);
  }

  @Override
  public boolean defer(Delivery delivery, Instant notBefore, String reason, Instant now) {
    // The attempt count lives in the row; SQS's own receive count is not read by the sidecar.
    return records.defer(delivery, notBefore, reason, now) && hide(delivery, notBefore, now);
  }

  private boolean hide(Delivery delivery, Instant notBefore, Instant now) {
    String handle = transport.handle(delivery.write().id());
    if (handle != null) {
      // Hidden for the delay; the row's time gives it back earlier if the clocks disagree.
      changeVisibility(handle, Duration.between(now, notBefore));
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
    String handle = transport.handle(delivery.write().id());
    if (!records.finish(delivery, state, status, requestId, body, reason, now)) {
      return false;
    }
    // Recorded first: a crash here leaves a message whose row is finished, deleted when received.
    if (handle != null) {
      delete(handle);
    }
    return true;
  }

  @Override
  public boolean requeue(String id, Instant now) {
    Optional<QueuedWrite> write = transport.write(id);
    if (write.isEmpty() || !records.requeue(id, now)) {
      return false;
    }
    // Its message was deleted when it died: a new one, deduplicated apart from the first.
    send(write.get(), id + "." + now.toEpochMilli());
    return true;
  }

  @Override
  public void close() {
    records.close();
    if (ownsClient) {
      sqs.close();
    }
  }

  private void changeVisibility(String handle, Duration hidden) {
    try {
      sqs.changeMessageVisibility(
          request ->
              request.queueUrl(queueUrl).receiptHandle(handle).visibilityTimeout(seconds(hidden)));
    } catch (SqsException e) {
      // The handle is stale (the message came back, or is gone): SQS's own timeout rules.
    }
  }

  private void delete(String handle) {
    try {
      sqs.deleteMessage(request -> request.queueUrl(queueUrl).receiptHandle(handle));
    } catch (SqsException e) {
      // A stale handle: the message comes back, its row is finished, and it is deleted then.
    }
  }

  /** Whole seconds, rounded up, within SQS's range. */
  private static int seconds(Duration duration) {
    long millis = Math.max(0, duration.toMillis());
    return (int) Math.min(MAX_VISIBILITY_SECONDS, (millis + 999) / 1000);
  }

  /**
   * A message group or deduplication id: the value itself when SQS allows it (128 characters of
   * letters, digits and punctuation), else its SHA-256 in hex.
   */
  static String messageGroup(String key) {
    if (key.length() <= 128 && key.chars().allMatch(c -> c > 32 && c < 127)) {
      return key;
    }
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  /**
   * The write an SQS message of this queue carries, for a worker that receives messages itself (an
   * SQS-triggered Lambda function).
   *
   * @throws IllegalArgumentException the body is not a stripe-edge write
   */
  public static QueuedWrite decodeMessage(String body) {
    try {
      return MessageCodec.decode(body);
    } catch (IllegalStateException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("not a stripe-edge write message", e);
    }
  }

  @Override
  public String toString() {
    return "SqsWorkQueue[" + queueUrl + "]";
  }

  /** A write as an SQS message body: one field a line, free text in base64. */
  static final class MessageCodec {
    private static final Base64.Encoder ENCODER = Base64.getEncoder();
    private static final Base64.Decoder DECODER = Base64.getDecoder();

    private MessageCodec() {}

    static String encode(QueuedWrite write) {
      EdgeRequest request = write.request();
      return String.join(
          "\n",
          "w1",
          write.id(),
          text(write.orderKey()),
          write.callbackUrl() == null ? "-" : text(write.callbackUrl()),
          Long.toString(write.acceptedAt().toEpochMilli()),
          request.method(),
          text(request.path()),
          text(request.rawQuery()),
          text(QueuedWrite.headerBlock(request.headers())),
          ENCODER.encodeToString(request.body()));
    }

    static QueuedWrite decode(String body) {
      String[] lines = body.split("\n", -1);
      if (lines.length != 10 || !lines[0].equals("w1")) {
        throw new IllegalStateException("not a stripe-edge write message");
      }
      return new QueuedWrite(
          lines[1],
          new EdgeRequest(
              lines[5],
              untext(lines[6]),
              untext(lines[7]),
              QueuedWrite.parseHeaderBlock(untext(lines[8])),
              DECODER.decode(lines[9])),
          untext(lines[2]),
          lines[3].equals("-") ? null : untext(lines[3]),
          Instant.ofEpochMilli(Long.parseLong(lines[4])));
    }

    private static String text(String value) {
      return ENCODER.encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private static String untext(String value) {
      return new String(DECODER.decode(value), StandardCharsets.UTF_8);
    }
  }
}
