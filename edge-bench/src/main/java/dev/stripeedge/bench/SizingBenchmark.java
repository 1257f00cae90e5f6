package dev.stripeedge.bench;

import dev.stripeedge.core.internal.Shards;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What sizing adds to a cacheable request: the sampling decision for every reference, and the
 * estimator's work for a sampled one (weighing the entry is not included: the pipeline does it for
 * sampled references only).
 *
 * <pre>{@code
 * ./mvnw -q -pl edge-bench -am package -DskipTests
 * java -jar edge-bench/target/benchmarks.jar SizingBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SizingBenchmark {

  private static final int KEYS = 200_000;

  private String[] keys;
  private int[] trace;
  private int next;
  private Shards tenPercent;
  private Shards everyKey;

  @Setup
  public void setUp() {
    keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "GET /v1/customers/cus_" + i + " acct= v=2024-06-20 k=3f9a0c";
      keys[i].hashCode(); // as the cache lookup has done before sizing runs
    }
    SplittableRandom random = new SplittableRandom(1);
    trace = new int[1 << 20];
    for (int i = 0; i < trace.length; i++) {
      // Roughly Zipf: the square of a uniform skews towards small indexes.
      double u = random.nextDouble();
      trace[i] = (int) (u * u * KEYS);
    }
    // The default bound: 200,000 keys bring the rate down to about 4%.
    tenPercent = new Shards(0.1, 8192);
    // Room for every key: each reference is recorded.
    everyKey = new Shards(1.0, KEYS);
  }

  private String nextKey() {
    next = (next + 1) & (trace.length - 1);
    return keys[trace[next]];
  }

  /** Baseline: drawing the next key of the trace (a memory load the pipeline does not pay). */
  @Benchmark
  public int drawKey() {
    return nextKey().hashCode();
  }

  /** The default: every reference hashed and counted, the sampled keys' references recorded. */
  @Benchmark
  public boolean referenceAtTenPercent() {
    return reference(tenPercent);
  }

  /** Every reference recorded (the estimator's cost for a sampled one). */
  @Benchmark
  public boolean referenceEveryKey() {
    return reference(everyKey);
  }

  private boolean reference(Shards shards) {
    long hash = Shards.hash(nextKey());
    shards.count();
    if (shards.sampled(hash)) {
      shards.reference(hash, 2_000, 0, Long.MAX_VALUE);
      return true;
    }
    return false;
  }
}
