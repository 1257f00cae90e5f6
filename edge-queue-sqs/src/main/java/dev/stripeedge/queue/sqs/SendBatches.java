package dev.stripeedge.queue.sqs;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits messages into {@code SendMessageBatch} calls within SQS's limits: at most 10 entries and
 * 256 KiB of bodies a call. A message larger than the byte limit goes alone (SQS refuses it as it
 * would refuse it sent by itself). Order is kept, within a call and from one call to the next.
 */
final class SendBatches {

  /** SQS's most entries in one {@code SendMessageBatch}. */
  static final int MAX_ENTRIES = 10;

  /** SQS's most bytes of message bodies in one call (the historical 256 KiB, the safe bound). */
  static final int MAX_BYTES = 256 * 1024;

  private SendBatches() {}

  /**
   * The indexes of {@code sizes} (each message's body in bytes), grouped into calls in order.
   *
   * @param sizes the bodies' sizes, in sending order
   */
  static List<List<Integer>> split(List<Integer> sizes) {
    List<List<Integer>> calls = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < sizes.size(); i++) {
      int size = sizes.get(i);
      if (!current.isEmpty() && (current.size() == MAX_ENTRIES || bytes + size > MAX_BYTES)) {
        calls.add(List.copyOf(current));
        current.clear();
        bytes = 0;
      }
      current.add(i);
      bytes += size;
    }
    if (!current.isEmpty()) {
      calls.add(List.copyOf(current));
    }
    return calls;
  }
}
