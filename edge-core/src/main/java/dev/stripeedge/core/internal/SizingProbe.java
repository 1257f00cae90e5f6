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
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The pipeline's side of sizing: every cacheable {@code GET} answered with a 200 is a reference to
 * its key; those of sampled keys go to {@link Shards} with the bytes L0 weighs their entry at. Also
 * counts L0's own fresh hits, so the report sets the prediction beside the measurement.
 *
 * <p>Thread-safe. An unsampled reference costs a hash of the key, a comparison and two counter
 * increments.
 */
final class SizingProbe {

  /** Smallest size on the report's curve: 64 KiB. */
  private static final long CURVE_FROM = 1L << 16;

  /** Largest size on the report's curve: 1 TiB. */
  private static final long CURVE_TO = 1L << 40;

  /** Headers the edge adds to an answer; the entry L0 stores has neither. */
  private static final Set<String> EDGE_HEADERS = Set.of("cache-status", "server-timing");

  private final Shards shards;
  private final LongAdder memoryHits = new LongAdder();
  private final long maxBytes;
  private final LongSupplier bytes;

  SizingProbe(SizingConfig config, long maxBytes, LongSupplier bytes, MeterRegistry meters) {
    this.shards = new Shards(config.initialRate(), config.maxSampledKeys());
    this.maxBytes = maxBytes;
    this.bytes = bytes;
    for (double target : SizingReport.TARGETS) {
      Gauge.builder("stripe.edge.sizing.bytes", this, probe -> probe.bytesFor(target))
          .description("Estimated L0 bytes for a hit ratio (NaN: not reachable)")
          .baseUnit("bytes")
          .tag("tier", "memory")
          .tag("hit_ratio", String.format(Locale.ROOT, "%.2f", target))
          .strongReference(true)
          .register(meters);
    }
    Gauge.builder("stripe.edge.sizing.predicted.hit.ratio", this, probe -> probe.predicted())
        .description("Estimated LRU hit ratio of L0 at its configured bound")
        .tag("tier", "memory")
        .strongReference(true)
        .register(meters);
  }

  /** Hashes {@code key} once per request; pass the hash to {@link #answered}. */
  long hash(CacheKey key) {
    return Shards.hash(key.value());
  }

  /**
   * One cacheable request answered.
   *
   * @param hash {@link #hash} of its key
   * @param key its key
   * @param answer what the client got, edge headers included
   * @param memoryHit whether L0 answered it fresh
   * @param watched ids L0 indexes it under besides those in the body (only asked when sampled)
   * @param nowNanos when it was asked
   * @param freshNanos its TTL
   */
  void answered(
      long hash,
      CacheKey key,
      EdgeResponse answer,
      boolean memoryHit,
      Supplier<Set<String>> watched,
      long nowNanos,
      long freshNanos) {
    if (answer.status() != 200) {
      return; // never stored: not part of the working set
    }
    shards.count();
    if (memoryHit) {
      memoryHits.increment();
    }
    if (shards.sampled(hash)) {
      shards.reference(hash, storedWeight(key, answer, watched.get()), nowNanos, freshNanos);
    }
  }

  /** What L0 weighs the entry of {@code answer} at: without the edge's own headers. */
  private static long storedWeight(CacheKey key, EdgeResponse answer, Set<String> watched) {
    Map<String, List<String>> headers = new LinkedHashMap<>(answer.headers());
    headers.keySet().removeAll(EDGE_HEADERS);
    Set<String> ids = new LinkedHashSet<>(watched);
    ids.addAll(ObjectIds.scan(answer.body()));
    return L0Cache.weigh(key, new EdgeResponse(200, headers, answer.body()), ids);
  }

  SizingReport report() {
    Shards.Estimate estimate = shards.estimate();
    List<SizingReport.Point> curve = new ArrayList<>();
    long end = Math.min(CURVE_TO, Math.max(estimate.largestDistance(), maxBytes));
    for (long size = CURVE_FROM; ; size *= 2) {
      curve.add(new SizingReport.Point(size, estimate.hitRatio(size)));
      if (size >= end || size >= CURVE_TO) {
        break;
      }
    }
    List<SizingReport.Target> targets = new ArrayList<>();
    for (double target : SizingReport.TARGETS) {
      long needed = estimate.bytesFor(target);
      targets.add(new SizingReport.Target(target, needed < 0 ? null : needed));
    }
    long references = estimate.references();
    return new SizingReport(
        references,
        estimate.sampledReferences(),
        estimate.rate(),
        estimate.sampledKeys(),
        estimate.maxHitRatio(),
        curve,
        targets,
        new SizingReport.Memory(
            maxBytes,
            bytes.getAsLong(),
            estimate.hitRatio(maxBytes),
            references == 0 ? 0 : (double) memoryHits.sum() / references));
  }

  private double bytesFor(double target) {
    long needed = shards.estimate().bytesFor(target);
    return needed < 0 ? Double.NaN : needed;
  }

  private double predicted() {
    return shards.estimate().hitRatio(maxBytes);
  }
}
