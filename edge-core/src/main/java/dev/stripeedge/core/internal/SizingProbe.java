package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.SizingReport;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sizing of one tier's reference stream: each reference that ends in a 200 counts; those of sampled
 * keys go to {@link Shards} with the bytes the tier weighs their entry at. Also counts the tier's
 * own fresh hits, so the report sets the prediction beside the measurement.
 *
 * <p>Thread-safe. An unsampled reference costs a comparison and two counter increments; only a
 * sampled one is weighed (the caller weighs it, with {@link #MEMORY} or {@link #TIER}).
 */
final class SizingProbe {

  /**
   * How a tier weighs the entry of an answer: the key, the answer as stored (the edge's own headers
   * left out), the ids in its body and those it is indexed under besides.
   */
  @FunctionalInterface
  interface Weigher {
    long weighStored(CacheKey key, EdgeResponse stored, Set<String> ids);

    /** The weight of {@code answer}'s entry, as the tier would store it. */
    default long weigh(CacheKey key, EdgeResponse answer, Set<String> watched) {
      Map<String, List<String>> headers = new LinkedHashMap<>(answer.headers());
      headers.keySet().removeAll(EDGE_HEADERS);
      Set<String> ids = new LinkedHashSet<>(watched);
      ids.addAll(ObjectIds.dependencies(answer.body()));
      return weighStored(key, new EdgeResponse(answer.status(), headers, answer.body()), ids);
    }
  }

  /** L0's own weight. */
  static final Weigher MEMORY = L0Cache::weigh;

  /** The weight of a tier row: the encoded value, the key and the id index, as SQLite counts. */
  static final Weigher TIER =
      (key, stored, ids) -> {
        long bytes = 64L + ResponseCodec.encode(stored).length + key.value().length();
        for (String id : ids) {
          bytes += 32L + 2L * id.length();
        }
        return bytes;
      };

  /** Smallest size on the report's curve: 64 KiB. */
  private static final long CURVE_FROM = 1L << 16;

  /** Largest size on the report's curve: 1 TiB. */
  private static final long CURVE_TO = 1L << 40;

  /** Headers the edge adds to an answer; the entry a tier stores has neither. */
  private static final Set<String> EDGE_HEADERS = Set.of("cache-status", "server-timing");

  private final String tier;
  private final Shards shards;
  private final Weigher weigher;
  private final LongAdder hits = new LongAdder();
  private final long maxBytes;

  /**
   * @param maxBytes the tier's bound, 0 when unknown
   */
  SizingProbe(
      String tier, SizingConfig config, long maxBytes, Weigher weigher, MeterRegistry meters) {
    this.tier = tier;
    this.shards = new Shards(config.initialRate(), config.maxSampledKeys());
    this.maxBytes = maxBytes;
    this.weigher = weigher;
    for (double target : SizingReport.TARGETS) {
      Gauge.builder("stripe.edge.sizing.bytes", this, probe -> probe.bytesFor(target))
          .description(
              "Estimated bytes a tier needs for a hit ratio (+Inf: no size reaches it yet)")
          .baseUnit("bytes")
          .tag("tier", tier)
          .tag("hit_ratio", String.format(Locale.ROOT, "%.2f", target))
          .strongReference(true)
          .register(meters);
    }
    if (maxBytes > 0) {
      Gauge.builder("stripe.edge.sizing.predicted.hit.ratio", this, probe -> probe.predicted())
          .description("Estimated LRU hit ratio of a tier at its configured bound")
          .tag("tier", tier)
          .strongReference(true)
          .register(meters);
    }
  }

  /** The hash {@link #count} takes: computed once per request, shared by every probe. */
  static long hash(CacheKey key) {
    return Shards.hash(key.value());
  }

  /**
   * Counts one reference answered with {@code answer}; a 200 is a reference, anything else is never
   * stored and is not.
   *
   * @param hash {@link #hash} of its key
   * @param hit whether this tier answered it fresh
   * @return whether its key is sampled: then the caller weighs the entry and calls {@link #sample}
   */
  boolean count(long hash, EdgeResponse answer, boolean hit) {
    if (answer.status() != 200) {
      return false;
    }
    shards.count();
    if (hit) {
      hits.increment();
    }
    return shards.sampled(hash);
  }

  /**
   * Records a sampled reference of {@code bytes}, asked at {@code nowNanos}, fresh for {@code
   * freshNanos} after its fill.
   */
  void sample(long hash, long bytes, long nowNanos, long freshNanos) {
    shards.reference(hash, bytes, nowNanos, freshNanos);
  }

  SizingReport.Tier report() {
    Shards.Estimate estimate = shards.estimate();
    List<SizingReport.Point> curve = new ArrayList<>();
    long end = Math.min(CURVE_TO, Math.max(estimate.largestDistance(), maxBytes));
    for (long size = CURVE_FROM; ; size *= 2) {
      curve.add(new SizingReport.Point(size, estimate.hitRatio(size)));
      if (size >= end) {
        break;
      }
    }
    List<SizingReport.Target> targets = new ArrayList<>();
    for (double target : SizingReport.TARGETS) {
      long needed = estimate.bytesFor(target);
      targets.add(new SizingReport.Target(target, needed < 0 ? null : needed));
    }
    long references = estimate.references();
    return new SizingReport.Tier(
        tier,
        true,
        references,
        estimate.sampledReferences(),
        estimate.rate(),
        estimate.sampledKeys(),
        estimate.maxHitRatio(),
        curve,
        targets,
        maxBytes,
        maxBytes > 0 ? estimate.hitRatio(maxBytes) : Double.NaN,
        references == 0 ? 0 : (double) hits.sum() / references);
  }

  private double bytesFor(double target) {
    long needed = shards.estimate().bytesFor(target);
    // No size reaches it (first reads and reads after expiry miss at any size): infinitely many
    // bytes, which Prometheus and Grafana show as such; NaN read as a broken gauge.
    return needed < 0 ? Double.POSITIVE_INFINITY : needed;
  }

  private double predicted() {
    return shards.estimate().hitRatio(maxBytes);
  }
}
