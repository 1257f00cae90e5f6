package dev.stripeedge.core.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-weighted LRU stack distances, exactly: for each reference to a key, the bytes of the
 * distinct other keys referenced since its previous reference. An LRU cache of {@code C} bytes
 * holds the key at that moment when this distance plus the key's own size is at most {@code C}.
 *
 * <p>Each key's size sits in a Fenwick tree at the logical time of its last reference, so a
 * distance is one prefix-sum difference: O(log n) per reference instead of a scan of the LRU list.
 * Logical times are renumbered (in order) when they reach the tree's end, so memory stays
 * proportional to the keys held, never to the references seen.
 *
 * <p>Not thread-safe: its owner serializes calls.
 */
final class ReuseDistances {

  /** A key's last reference: logical time and size then. */
  private static final class Last {
    int time;
    long bytes;

    Last(int time, long bytes) {
      this.time = time;
      this.bytes = bytes;
    }
  }

  private final Map<Long, Last> last = new HashMap<>();
  private long[] tree;
  private int clock;

  ReuseDistances(int initialCapacity) {
    this.tree = new long[Math.max(16, initialCapacity) + 1];
  }

  /** What a reference found out about its key. */
  record Reference(boolean first, long distanceBytes, long previousBytes) {}

  /**
   * Records a reference to {@code key}, now {@code bytes} big.
   *
   * @return whether it is the key's first reference (or first since it was forgotten) and, if not,
   *     the bytes of distinct other keys referenced since its previous one, and its size then
   */
  Reference reference(long key, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative: " + bytes);
    }
    if (clock + 1 >= tree.length) {
      renumber();
    }
    int now = ++clock;
    Last previous = last.get(key);
    Reference result;
    if (previous == null) {
      last.put(key, new Last(now, bytes));
      result = new Reference(true, 0, 0);
    } else {
      long since = prefix(now - 1) - prefix(previous.time);
      result = new Reference(false, since, previous.bytes);
      add(previous.time, -previous.bytes);
      previous.time = now;
      previous.bytes = bytes;
    }
    add(now, bytes);
    return result;
  }

  /** Forgets {@code key}: its bytes no longer count in others' distances. */
  void forget(long key) {
    Last previous = last.remove(key);
    if (previous != null) {
      add(previous.time, -previous.bytes);
    }
  }

  /** Keys held. */
  int keys() {
    return last.size();
  }

  /** Bytes of all keys held, at their last sizes. */
  long bytes() {
    return prefix(clock);
  }

  /**
   * Gives the live keys the times 1..n in their order, in a tree sized for twice as many (so the
   * next renumbering is at least n references away: amortized O(log n) per reference).
   */
  private void renumber() {
    List<Last> live = new ArrayList<>(last.values());
    live.sort((a, b) -> Integer.compare(a.time, b.time));
    int capacity = Math.max(tree.length - 1, 2 * live.size() + 16);
    tree = new long[capacity + 1];
    clock = 0;
    for (Last entry : live) {
      entry.time = ++clock;
      add(entry.time, entry.bytes);
    }
  }

  private void add(int index, long delta) {
    for (int i = index; i < tree.length; i += i & -i) {
      tree[i] += delta;
    }
  }

  private long prefix(int index) {
    long sum = 0;
    for (int i = index; i > 0; i -= i & -i) {
      sum += tree[i];
    }
    return sum;
  }
}
