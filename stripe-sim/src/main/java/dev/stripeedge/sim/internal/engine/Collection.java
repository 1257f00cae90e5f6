package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * All objects of one type in one account, by id and in creation order.
 *
 * <p>A global sequence number orders objects, so lists are newest first with a stable tie-break for
 * objects created in the same second. Reads are lock-free; writers serialise on the account.
 */
public final class Collection {

  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<Long, Entry> bySeq = new ConcurrentSkipListMap<>();

  public Entry insert(String id, long created, byte[] json, Map<String, String> attrs) {
    Entry entry = new Entry(id, SEQUENCE.incrementAndGet(), created, json, attrs);
    if (byId.putIfAbsent(id, entry) != null) {
      throw StripeError.invalidState(
          "resource_already_exists", "An object with ID '" + id + "' already exists.", "id");
    }
    bySeq.put(entry.seq, entry);
    return entry;
  }

  public @Nullable Entry get(String id) {
    return byId.get(id);
  }

  public void update(Entry entry, byte[] json, Map<String, String> attrs) {
    entry.update(json, attrs);
  }

  public @Nullable Entry remove(String id) {
    Entry entry = byId.remove(id);
    if (entry != null) {
      bySeq.remove(entry.seq);
    }
    return entry;
  }

  public int size() {
    return byId.size();
  }

  /** Every object {@code filter} accepts, oldest first. */
  public List<Entry> matching(Predicate<Entry> filter) {
    List<Entry> found = new ArrayList<>();
    for (Entry entry : bySeq.values()) {
      if (filter.test(entry)) {
        found.add(entry);
      }
    }
    return found;
  }

  /** Drops objects created before {@code epochSeconds} (event retention). */
  public void removeCreatedBefore(long epochSeconds) {
    for (Entry entry : bySeq.values()) {
      if (entry.created >= epochSeconds) {
        break;
      }
      remove(entry.id);
    }
  }

  /**
   * One page for {@code query}, filtered; a cursor naming an unknown object is a 404.
   *
   * @param objectName used in the 404 message for an unknown cursor
   */
  public Page list(ListQuery query, Predicate<Entry> filter, String objectName) {
    if (query.endingBefore() != null) {
      Entry anchor = cursor(query.endingBefore(), objectName, "ending_before");
      // Newer objects, nearest to the anchor first, then flipped to newest first.
      List<Entry> newer = collect(bySeq.tailMap(anchor.seq, false), query, filter);
      boolean more = newer.size() > query.limit();
      List<Entry> page = new ArrayList<>(newer.subList(0, Math.min(query.limit(), newer.size())));
      Collections.reverse(page);
      return new Page(page, more);
    }
    NavigableMap<Long, Entry> older =
        query.startingAfter() == null
            ? bySeq.descendingMap()
            : bySeq
                .headMap(cursor(query.startingAfter(), objectName, "starting_after").seq, false)
                .descendingMap();
    List<Entry> found = collect(older, query, filter);
    boolean more = found.size() > query.limit();
    return new Page(found.subList(0, Math.min(query.limit(), found.size())), more);
  }

  private Entry cursor(String id, String objectName, String param) {
    Entry anchor = byId.get(id);
    if (anchor == null) {
      throw StripeError.resourceMissing(objectName, id, param);
    }
    return anchor;
  }

  private static List<Entry> collect(
      NavigableMap<Long, Entry> ordered, ListQuery query, Predicate<Entry> filter) {
    List<Entry> found = new ArrayList<>(Math.min(query.limit() + 1, 101));
    for (Entry entry : ordered.values()) {
      if (query.inRange(entry.created) && filter.test(entry)) {
        found.add(entry);
        if (found.size() > query.limit()) {
          break;
        }
      }
    }
    return found;
  }
}
