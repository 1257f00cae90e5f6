package dev.stripeedge.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Ticker;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory tier: responses as pre-encoded bytes in Caffeine, bounded by bytes, with an index
 * from every Stripe object id found in a cached body to the entries holding it.
 *
 * <p>Thread-safe; never blocks beyond Caffeine's short per-entry locks.
 *
 * <p><b>Race safety.</b> A miss takes a {@link FillToken} before asking upstream. Every {@link
 * #invalidate} draws a new sequence number and records it against the object id. A fill is refused
 * when any id in the fresh body, or any id it was asked to watch, was invalidated after its token
 * was taken: the body may predate the write. The check runs both before and after the entry is
 * published, and the fill indexes the entry before publishing it, while an invalidation records its
 * sequence before it scans the index; so either the fill sees the invalidation, or the invalidation
 * finds the entry. No ordering leaves a stale entry behind.
 */
public final class L0Cache {

  /** Invalidations remembered per object id before the oldest are folded into one floor. */
  private static final int TRACKED_INVALIDATIONS = 100_000;

  /**
   * One cached response.
   *
   * @param key its cache key
   * @param response status, headers and body bytes, replayed as they are
   * @param ids the Stripe object ids it contains (and the pseudo ids it was asked to watch)
   * @param storedAtNanos ticker time of the fill
   * @param rule the TTL and stale windows it was stored under
   */
  public record Entry(
      CacheKey key,
      EdgeResponse response,
      Set<String> ids,
      long storedAtNanos,
      CacheDecision.Cacheable rule) {

    /** Nanoseconds since the fill. */
    public long ageNanos(long nowNanos) {
      return nowNanos - storedAtNanos;
    }

    /** Roughly what the entry costs in memory: body, headers, key and ids. */
    int weight() {
      return weigh(key, response, ids);
    }

    // Identity: the index and conditional removes must tell one fill from another of equal data.
    @Override
    public boolean equals(@Nullable Object other) {
      return this == other;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }
  }

  /**
   * Roughly what an entry of {@code response} under {@code key}, indexed under {@code ids}, costs
   * in memory: body, headers, key and ids. The unit of {@code maxBytes}, and of the sizing
   * estimate.
   */
  public static int weigh(CacheKey key, EdgeResponse response, Set<String> ids) {
    long bytes = 64L + response.body().length + 2L * key.value().length();
    for (Map.Entry<String, List<String>> header : response.headers().entrySet()) {
      bytes += 32L + 2L * header.getKey().length();
      for (String value : header.getValue()) {
        bytes += 2L * value.length();
      }
    }
    for (String id : ids) {
      bytes += 48L + 2L * id.length();
    }
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  /**
   * Taken when a miss starts; a fill under it is refused if what it holds was invalidated since.
   *
   * @param sequence the invalidation sequence number when the miss started
   */
  public record FillToken(long sequence) {}

  private final Cache<CacheKey, Entry> cache;
  private final ConcurrentHashMap<String, Set<Entry>> index = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> invalidations = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  // Sequence up to which forgotten invalidations may have happened: fills older than it refuse.
  private final AtomicLong floor = new AtomicLong();
  private final Ticker ticker;

  public L0Cache(long maxBytes, Ticker ticker) {
    this.ticker = ticker;
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((CacheKey key, Entry entry) -> entry.weight())
            .expireAfter(new Retention())
            .ticker(ticker::nanos)
            // Maintenance on the caller's thread: no hidden pool, deterministic tests.
            .executor(Runnable::run)
            .removalListener(
                (@Nullable CacheKey key, @Nullable Entry entry, RemovalCause cause) -> {
                  if (entry != null) {
                    unindex(entry);
                  }
                })
            .build();
  }

  /** The entry for {@code key}, fresh or stale (the caller judges by its rule), or null. */
  public @Nullable Entry get(CacheKey key) {
    return cache.getIfPresent(key);
  }

  /** A token for a miss that starts now. */
  public FillToken beginFill() {
    return new FillToken(sequence.get());
  }

  /** Whether any object was invalidated since {@code token} was taken. */
  public boolean invalidatedSince(FillToken token) {
    return sequence.get() != token.sequence();
  }

  /**
   * Stores {@code response} under {@code key} unless an object it holds, or one of {@code watched},
   * was invalidated since {@code token}.
   *
   * @param watched ids to index and check besides those in the body: the requested object's id (a
   *     404 body holds none) and pseudo ids such as a collection's
   * @return whether the entry was stored
   */
  public boolean fill(
      FillToken token,
      CacheKey key,
      EdgeResponse response,
      Set<String> watched,
      CacheDecision.Cacheable rule) {
    return fillEntry(token, key, response, watched, rule, 0) != null;
  }

  /**
   * {@link #fill} for a response that is already {@code ageNanos} old (a hit from a slower tier):
   * its age and retention count from its fetch, not from now.
   *
   * @return the stored entry (its ids are those the slower tiers index), or null when refused
   */
  public @Nullable Entry fillEntry(
      FillToken token,
      CacheKey key,
      EdgeResponse response,
      Set<String> watched,
      CacheDecision.Cacheable rule,
      long ageNanos) {
    Set<String> ids = new LinkedHashSet<>(watched);
    ids.addAll(ObjectIds.dependencies(response.body()));
    if (stale(token, ids)) {
      return null;
    }
    Entry entry =
        new Entry(key, response, Set.copyOf(ids), ticker.nanos() - Math.max(0, ageNanos), rule);
    for (String id : entry.ids()) {
      // compute, not computeIfAbsent + add: an unindex emptying the set must not orphan our add.
      index.compute(
          id,
          (k, set) -> {
            Set<Entry> entries = set == null ? ConcurrentHashMap.newKeySet() : set;
            entries.add(entry);
            return entries;
          });
    }
    cache.put(key, entry);
    if (stale(token, ids)) {
      cache.asMap().remove(key, entry);
      unindex(entry);
      return null;
    }
    return entry;
  }

  /** The entries indexed under {@code id} now: those containing or watching it. */
  public List<Entry> holding(String id) {
    Set<Entry> entries = index.get(id);
    return entries == null ? List.of() : List.copyOf(entries);
  }

  /** A snapshot of the entries held now (weakly consistent with concurrent changes). */
  public List<Entry> entries() {
    return List.copyOf(cache.asMap().values());
  }

  /** Drops every entry that contains {@code objectId}, and refuses fills that started before. */
  public void invalidate(String objectId) {
    invalidate(objectId, List.of());
  }

  /**
   * {@link #invalidate(String)}, except the entries in {@code replacing} (these very entries: a
   * newer one stored under the same key meanwhile is dropped), which the caller replaces at once
   * (an event's copy over the entry it judged): a read in between answers the version it would have
   * answered a moment before, instead of missing and waiting on Stripe. The caller {@link
   * #discard}s an entry it could not replace.
   */
  public void invalidate(String objectId, List<Entry> replacing) {
    long mine = sequence.incrementAndGet();
    invalidations.merge(objectId, mine, Math::max);
    Set<Entry> entries = index.get(objectId);
    if (entries != null) {
      for (Entry entry : List.copyOf(entries)) {
        if (!isAmong(entry, replacing)) {
          cache.asMap().remove(entry.key(), entry);
        }
      }
    }
    if (invalidations.size() > TRACKED_INVALIDATIONS) {
      forgetOldInvalidations(mine);
    }
  }

  private static boolean isAmong(Entry entry, List<Entry> entries) {
    for (Entry e : entries) {
      if (e == entry) {
        return true;
      }
    }
    return false;
  }

  /** Drops {@code entry} if it is still the one held under its key. */
  public void discard(Entry entry) {
    cache.asMap().remove(entry.key(), entry);
  }

  /** Drops everything and refuses every fill in flight. */
  public void invalidateAll() {
    floor.accumulateAndGet(sequence.incrementAndGet(), Math::max);
    cache.invalidateAll();
  }

  /** Weighted bytes held now. */
  public long bytes() {
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  /** Entries held now (approximate, as Caffeine's estimate). */
  public long size() {
    return cache.estimatedSize();
  }

  /** Runs pending expiry and eviction at once (tests and gauges). */
  public void cleanUp() {
    cache.cleanUp();
  }

  private boolean stale(FillToken token, Set<String> ids) {
    if (floor.get() > token.sequence()) {
      return true;
    }
    for (String id : ids) {
      Long invalidated = invalidations.get(id);
      if (invalidated != null && invalidated > token.sequence()) {
        return true;
      }
    }
    return false;
  }

  private synchronized void forgetOldInvalidations(long current) {
    if (invalidations.size() <= TRACKED_INVALIDATIONS) {
      return;
    }
    long cutoff = current - TRACKED_INVALIDATIONS / 2;
    // Raise the floor before forgetting, so no reader sees neither the id nor the floor.
    floor.accumulateAndGet(cutoff, Math::max);
    invalidations.values().removeIf(sequenceNumber -> sequenceNumber <= cutoff);
  }

  private void unindex(Entry entry) {
    for (String id : entry.ids()) {
      index.computeIfPresent(
          id,
          (k, set) -> {
            set.remove(entry);
            return set.isEmpty() ? null : set;
          });
    }
  }

  /** Keeps an entry for its TTL plus the longer of its stale windows, from its fetch. */
  private static final class Retention implements Expiry<CacheKey, Entry> {
    @Override
    public long expireAfterCreate(CacheKey key, Entry entry, long currentTime) {
      return left(entry, currentTime);
    }

    @Override
    public long expireAfterUpdate(
        CacheKey key, Entry entry, long currentTime, long currentDuration) {
      return left(entry, currentTime);
    }

    // A promoted entry was fetched before it was stored here: its retention started then.
    private static long left(Entry entry, long currentTime) {
      return Math.max(1, entry.rule().retention().toNanos() - entry.ageNanos(currentTime));
    }

    @Override
    public long expireAfterRead(CacheKey key, Entry entry, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
