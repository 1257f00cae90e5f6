package dev.stripeedge.core.webhooks;

import dev.stripeedge.core.CachedRetrieve;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.internal.JsonTree;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Measures how far the cache has drifted from Stripe: samples cached plain retrieves ({@link
 * EdgePipeline#auditSample}), refetches each through the pipeline bypassing the cache at background
 * priority ({@code Priority: u=6}), and compares the two bodies as JSON (key order and whitespace
 * ignored). A drifted object is invalidated everywhere, so the next read is fresh.
 *
 * <p>Drift is what webhooks and reconciliation missed or have not applied yet (a change whose
 * delivery is still on its way counts too). Only entries cached under the audit's API key are
 * sampled: the cache key holds an HMAC of the key, and another key's entries may differ (a
 * restricted key sees less).
 *
 * <p>Thread-safe: {@link #runOnce} is synchronized (one pass at a time) and blocks while it runs,
 * so call it from a background thread; {@link #lastReport} never blocks. The API key is never
 * logged nor put in a message.
 */
public final class DriftAudit {

  private final EdgePipeline pipeline;
  private final String apiKey;
  private final int sampleSize;
  private final Clock clock;
  private final Counter sampledCounter;
  private final Counter driftedCounter;
  private final Counter failedCounter;
  private final AtomicReference<@Nullable Report> last = new AtomicReference<>();

  private DriftAudit(
      EdgePipeline pipeline, String apiKey, int sampleSize, Clock clock, MeterRegistry meters) {
    if (apiKey.isBlank()) {
      throw new IllegalArgumentException("the drift audit needs the account's API key");
    }
    if (sampleSize < 1) {
      throw new IllegalArgumentException("the drift sample must be positive: " + sampleSize);
    }
    this.pipeline = pipeline;
    this.apiKey = apiKey;
    this.sampleSize = sampleSize;
    this.clock = clock;
    this.sampledCounter =
        Counter.builder("stripe.edge.drift.sampled")
            .description("Cached retrieves the drift audit refetched")
            .register(meters);
    this.driftedCounter =
        Counter.builder("stripe.edge.drift.drifted")
            .description("Cached retrieves that differed from Stripe's current object")
            .register(meters);
    this.failedCounter =
        Counter.builder("stripe.edge.drift.failed")
            .description("Refetches that got no usable answer (not counted in the rate)")
            .register(meters);
    Gauge.builder("stripe.edge.drift.rate", last, DriftAudit::rateOf)
        .description("Share of the last audit's compared entries that had drifted")
        .strongReference(true)
        .register(meters);
  }

  /**
   * An audit of up to {@code sampleSize} entries per pass, cached under and refetched with {@code
   * apiKey}.
   */
  public static DriftAudit of(
      EdgePipeline pipeline, String apiKey, int sampleSize, Clock clock, MeterRegistry meters) {
    return new DriftAudit(pipeline, apiKey, sampleSize, clock, meters);
  }

  /** One pass: sample, refetch, compare, invalidate what drifted. */
  public synchronized Report runOnce() {
    Instant ranAt = clock.instant();
    int checked = 0;
    int failed = 0;
    List<String> drifted = new ArrayList<>();
    List<CachedRetrieve> sample = pipeline.auditSample(apiKey, sampleSize);
    for (CachedRetrieve entry : sample) {
      EdgeResponse fresh =
          pipeline
              .handle(
                  entry
                      .request()
                      .withHeader(EdgeHeaders.CACHE, "bypass")
                      .withHeader("priority", "u=6"))
              // handle() never completes exceptionally: failures are Stripe-shaped responses.
              .join();
      Boolean same = sameObject(entry.cached(), fresh);
      if (same == null) {
        failed++;
        continue;
      }
      checked++;
      if (!same) {
        drifted.add(entry.objectId());
        pipeline.invalidate(entry.objectId());
      }
    }
    sampledCounter.increment(sample.size());
    driftedCounter.increment(drifted.size());
    failedCounter.increment(failed);
    Report report = new Report(ranAt, sample.size(), checked, drifted.size(), failed, drifted);
    last.set(report);
    return report;
  }

  /** The last pass's report, or null before the first. */
  public @Nullable Report lastReport() {
    return last.get();
  }

  /**
   * Whether {@code fresh} shows the object {@code cached} holds: null when Stripe gave no usable
   * answer (an error other than the object being gone, or a body that is not JSON).
   */
  private static @Nullable Boolean sameObject(EdgeResponse cached, EdgeResponse fresh) {
    if (fresh.status() == 404) {
      return false; // deleted since it was cached
    }
    if (fresh.status() != 200) {
      return null;
    }
    try {
      return Boolean.valueOf(
          Objects.equals(JsonTree.parse(cached.body()), JsonTree.parse(fresh.body())));
    } catch (IOException e) {
      return null;
    }
  }

  private static double rateOf(AtomicReference<@Nullable Report> last) {
    Report report = last.get();
    return report == null ? Double.NaN : report.driftRate();
  }

  /**
   * What one pass found.
   *
   * @param ranAt when the pass started
   * @param sampled cached retrieves sampled and refetched
   * @param checked those Stripe answered usably (the object, or 404 for one deleted since)
   * @param drifted those that differed from Stripe's current object (invalidated)
   * @param failed those Stripe gave no usable answer for (not in the rate)
   * @param driftedIds the ids of the drifted objects
   */
  public record Report(
      Instant ranAt, int sampled, int checked, int drifted, int failed, List<String> driftedIds) {

    public Report {
      driftedIds = List.copyOf(driftedIds);
    }

    /** Drifted over checked; 0 when nothing was checked. */
    public double driftRate() {
      return checked == 0 ? 0.0 : (double) drifted / checked;
    }
  }

  @Override
  public String toString() {
    // Never the key.
    return "DriftAudit[" + sampleSize + " per pass]";
  }
}
