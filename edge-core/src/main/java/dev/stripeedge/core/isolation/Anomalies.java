package dev.stripeedge.core.isolation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stripeedge.core.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Detection: statistics per {@link IsolationKey} (bounded, least recently used forgotten) and the
 * flags {@link AnomalyRule} raises on them. Recording an answer is O(1); every {@code
 * evaluateEvery} one recording thread judges all keys (O(keys)), so nothing needs a timer.
 * Thread-safe. One log line per flag raised or cleared, never per request.
 */
public final class Anomalies {

  private static final System.Logger log = System.getLogger(Anomalies.class.getName());
  static final int RECENT = 100;

  private final IsolationConfig.Detection config;
  private final Ticker ticker;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Cache<IsolationKey, KeyStats> stats;
  private final Map<IsolationKey, Standing> flagged = new ConcurrentHashMap<>();
  private final Deque<Flag> recent = new ArrayDeque<>();
  private final AtomicLong nextEvaluation;
  private final List<Consumer<Flag>> listeners = new ArrayList<>();

  /** A standing flag and since when its key looks healthy again (or -1). */
  private record Standing(Flag flag, long healthySince) {}

  public Anomalies(
      IsolationConfig.Detection config, Ticker ticker, Clock clock, MeterRegistry meters) {
    this.config = config;
    this.ticker = ticker;
    this.clock = clock;
    this.meters = meters;
    this.stats =
        Caffeine.newBuilder().maximumSize(config.maxKeys()).executor(Runnable::run).build();
    this.nextEvaluation = new AtomicLong(ticker.nanos() + config.evaluateEvery().toNanos());
    Gauge.builder("edge.isolation.flagged", flagged, Map::size)
        .description("keys (account, connected account, route) flagged now")
        .register(meters);
  }

  /** Calls {@code listener} with each flag raised and (with {@code until} set) cleared. */
  synchronized void onChange(Consumer<Flag> listener) {
    listeners.add(listener);
  }

  /** Counts one answer of {@code key}; may judge every key (at most once per evaluateEvery). */
  void record(IsolationKey key, long latencyNanos, DecayingWindow.Answer answer) {
    long now = ticker.nanos();
    statsOf(key, now).add(now, latencyNanos, answer);
    maybeEvaluate(now);
  }

  /** A call of {@code key} is sent now: its statistics, to {@link #end} it with. */
  KeyStats begin(IsolationKey key) {
    long now = ticker.nanos();
    KeyStats stats = statsOf(key, now);
    stats.begin(now);
    return stats;
  }

  /** The call {@link #begin begun} at {@code start} was answered. */
  void end(KeyStats stats, long start, DecayingWindow.Answer answer) {
    long now = ticker.nanos();
    stats.end(start, now, answer);
    maybeEvaluate(now);
  }

  private KeyStats statsOf(IsolationKey key, long now) {
    return stats.get(key, k -> new KeyStats(config, now));
  }

  private void maybeEvaluate(long now) {
    long due = nextEvaluation.get();
    if (now - due >= 0
        && nextEvaluation.compareAndSet(due, now + config.evaluateEvery().toNanos())) {
      evaluate();
    }
  }

  /** Whether {@code key} is flagged now: one map lookup. */
  boolean isFlagged(IsolationKey key) {
    return !flagged.isEmpty() && flagged.containsKey(key);
  }

  /** The flags standing now. */
  public List<Flag> current() {
    return flagged.values().stream().map(Standing::flag).toList();
  }

  /** Every key's figures now (O(keys)): what the next evaluation would judge. */
  public Map<IsolationKey, KeyFigures> figures() {
    long now = ticker.nanos();
    Map<IsolationKey, KeyFigures> all = new HashMap<>();
    stats.asMap().forEach((key, value) -> all.put(key, value.figures(now)));
    return all;
  }

  /** Keys with statistics now (tests). */
  long keys() {
    stats.cleanUp();
    return stats.estimatedSize();
  }

  /** Flags cleared lately, newest first (at most {@value #RECENT}). */
  public synchronized List<Flag> recent() {
    return List.copyOf(recent);
  }

  /** Judges every key now (tests call it; recording calls it every evaluateEvery). */
  public synchronized void evaluate() {
    long now = ticker.nanos();
    Map<IsolationKey, KeyFigures> figures = new HashMap<>();
    Map<IsolationKey, List<Double>> groups = new HashMap<>();
    stats
        .asMap()
        .forEach(
            (key, value) -> {
              KeyFigures own = value.figures(now);
              figures.put(key, own);
              if (own.samples() >= config.minSamples()) {
                groups.computeIfAbsent(key.group(), g -> new ArrayList<>()).add(own.p95Millis());
              }
            });
    figures.forEach(
        (key, own) -> {
          KeyFigures judged =
              own.withSiblings(siblingMedian(groups.getOrDefault(key.group(), List.of()), own));
          judge(key, judged, AnomalyRule.judge(judged, config), now);
        });
    // Keys forgotten (evicted) while flagged are cleared too.
    for (var entry : List.copyOf(flagged.entrySet())) {
      if (!figures.containsKey(entry.getKey())) {
        clear(entry.getKey(), entry.getValue().flag().figures());
      }
    }
  }

  /** The median p95 of the other keys in the group, or NaN when there are none. */
  private static double siblingMedian(List<Double> group, KeyFigures own) {
    if (group == null || group.size() < 2 || own.samples() <= 0) {
      return Double.NaN;
    }
    double[] others = new double[group.size() - 1];
    boolean skipped = false;
    int i = 0;
    for (double p95 : group) {
      if (!skipped && p95 == own.p95Millis()) {
        skipped = true;
        continue;
      }
      if (i < others.length) {
        others[i++] = p95;
      }
    }
    Arrays.sort(others, 0, i);
    return i == 0 ? Double.NaN : others[i / 2];
  }

  private void judge(IsolationKey key, KeyFigures figures, AnomalyRule.Verdict verdict, long now) {
    Standing standing = flagged.get(key);
    switch (verdict) {
      case AnomalyRule.Anomalous anomalous -> {
        if (standing == null) {
          Flag flag =
              new Flag(key, anomalous.reason(), anomalous.why(), clock.instant(), null, figures);
          flagged.put(key, new Standing(flag, -1));
          freeze(key, true);
          Counter.builder("edge.isolation.flags")
              .description("keys flagged, by route and reason")
              .tag("route", key.route())
              .tag("reason", anomalous.reason().tag())
              .register(meters)
              .increment();
          log.log(
              System.Logger.Level.WARNING, "isolation: flagged " + key + ": " + anomalous.why());
          listeners.forEach(listener -> listener.accept(flag));
        } else {
          Flag flag = standing.flag();
          flagged.put(
              key,
              new Standing(
                  new Flag(key, flag.reason(), anomalous.why(), flag.since(), null, figures), -1));
        }
      }
      case AnomalyRule.Healthy healthy -> {
        if (standing == null) {
          return;
        }
        long since = standing.healthySince() < 0 ? now : standing.healthySince();
        if (now - since >= config.clearAfter().toNanos()) {
          clear(key, figures);
        } else {
          flagged.put(key, new Standing(standing.flag(), since));
        }
      }
    }
  }

  private void clear(IsolationKey key, KeyFigures figures) {
    Standing standing = flagged.remove(key);
    if (standing == null) {
      return;
    }
    freeze(key, false);
    Flag flag = standing.flag();
    Flag cleared = new Flag(key, flag.reason(), flag.why(), flag.since(), clock.instant(), figures);
    recent.addFirst(cleared);
    while (recent.size() > RECENT) {
      recent.removeLast();
    }
    log.log(
        System.Logger.Level.INFO,
        "isolation: cleared "
            + key
            + " (flagged "
            + flag.reason().tag()
            + " since "
            + flag.since()
            + ")");
    listeners.forEach(listener -> listener.accept(cleared));
  }

  private void freeze(IsolationKey key, boolean value) {
    KeyStats value1 = stats.getIfPresent(key);
    if (value1 != null) {
      value1.freeze(value);
    }
  }
}
