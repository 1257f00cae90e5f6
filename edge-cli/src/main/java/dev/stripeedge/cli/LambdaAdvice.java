package dev.stripeedge.cli;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The arithmetic behind {@code stripe-edge advise}: what a function calling Stripe costs in Lambda
 * with and without the edge's cache, from measured {@link Traffic} and a {@link CloudPrices} table.
 *
 * <p>The model, stated so it can be argued with: an invocation runs {@code cpuMillis} of its own
 * CPU work (on one vCPU; Lambda gives a function {@code memory / 1769 MB} of a vCPU below that, so
 * the same work takes longer) and waits on {@code callsPerInvocation} Stripe calls, which is billed
 * as duration: without the cache each call waits Stripe's measured time, with it each takes the
 * measured answer time through the edge (hits in microseconds, misses Stripe's time). Billed
 * duration is rounded up to the millisecond. A month is 30 days.
 *
 * @param memoryMb the function's memory size
 * @param architecture {@code x86_64} or {@code arm64}
 * @param cpuMillis the function's own CPU time per invocation, on a whole vCPU
 * @param callsPerInvocation Stripe calls one invocation makes
 * @param itemBytes a cached Stripe object's size in DynamoDB (read and write units are per 4 KB and
 *     1 KB)
 */
record LambdaAdvice(
    Traffic traffic,
    CloudPrices prices,
    int memoryMb,
    String architecture,
    double cpuMillis,
    double callsPerInvocation,
    int itemBytes) {

  static final double SECONDS_PER_MONTH = 30 * 24 * 3600.0;

  /** Lambda gives a function one full vCPU at this memory size. */
  static final int FULL_VCPU_MB = 1769;

  /** The smallest size advised: the JVM, stripe-java and the edge's runtime need about this. */
  static final int FLOOR_MB = 256;

  /** Redis's own overhead over the bytes the edge weighs an entry at (keys, hashes, allocator). */
  static final double REDIS_OVERHEAD = 1.5;

  /** ElastiCache's default reserved-memory-percent keeps this share for Redis's own work. */
  static final double ELASTICACHE_USABLE = 0.75;

  CloudPrices.Lambda lambda() {
    CloudPrices.Lambda found = prices.lambda().get(architecture);
    if (found == null) {
      throw new IllegalArgumentException("architecture must be x86_64 or arm64: " + architecture);
    }
    return found;
  }

  /** Milliseconds one invocation waits on Stripe, with or without the cache. */
  double waitMillis(boolean cached) {
    return callsPerInvocation
        * traffic.perCall(cached ? Traffic.Route::answerMillis : Traffic.Route::upstreamMillis);
  }

  /** Billed milliseconds of one invocation at {@code memory} MB. */
  double billedMillis(int memory, boolean cached) {
    double cpu = cpuMillis * Math.max(1.0, (double) FULL_VCPU_MB / memory);
    return Math.ceil(cpu + waitMillis(cached));
  }

  /** GB-seconds of one invocation. */
  double gbSeconds(int memory, boolean cached) {
    return memory / 1024.0 * billedMillis(memory, cached) / 1000;
  }

  /** USD per million invocations: duration and requests. */
  double perMillion(int memory, boolean cached) {
    return 1e6 * (gbSeconds(memory, cached) * lambda().gbSecond() + prices.lambdaRequest());
  }

  /** Invocations per second: the Stripe calls measured, divided among invocations. */
  double invocationsPerSecond() {
    return callsPerInvocation == 0 ? 0 : traffic.perSecond() / callsPerInvocation;
  }

  /**
   * The size at or above {@link #floorMb()} (in 64 MB steps, and one full vCPU) that costs least
   * per invocation with the cache; the smaller on a tie.
   */
  int cheapestMemoryMb() {
    List<Integer> sizes = new ArrayList<>();
    for (int mb = floorMb(); mb <= 3008; mb += 64) {
      sizes.add(mb);
    }
    sizes.add(FULL_VCPU_MB);
    int best = floorMb();
    for (int mb : sizes) {
      if (perMillion(mb, true) < perMillion(best, true) - 1e-9) {
        best = mb;
      }
    }
    return best;
  }

  /**
   * {@link #FLOOR_MB}, or more when the memory tier's working set for a 95 % hit ratio needs it
   * (twice its bytes, as heap headroom, over the floor), rounded up to 64 MB.
   */
  int floorMb() {
    Double bytes = traffic.workingSetBytes95();
    double mb = bytes == null ? 0 : 2 * bytes / (1024 * 1024);
    int floor = (int) Math.ceil((FLOOR_MB + mb) / 64) * 64;
    return Math.max(FLOOR_MB, Math.min(floor, 10_240));
  }

  /** Concurrent executions the traffic keeps busy at the chosen size (Little's law). */
  double concurrency() {
    return invocationsPerSecond() * billedMillis(memoryMb, true) / 1000;
  }

  /** USD a month on demand at the chosen size, with the cache. */
  double monthlyOnDemand() {
    return invocationsPerSecond() * SECONDS_PER_MONTH * perMillion(memoryMb, true) / 1e6;
  }

  /** Environments to provision: the measured concurrency, rounded up. */
  int provisioned() {
    return (int) Math.max(1, Math.ceil(concurrency() - 1e-9));
  }

  /** USD a month with {@link #provisioned()} environments kept warm, at the chosen size. */
  double monthlyProvisioned() {
    double gb = memoryMb / 1024.0;
    double kept = provisioned() * gb * SECONDS_PER_MONTH * lambda().provisionedGbSecond();
    double invocations = invocationsPerSecond() * SECONDS_PER_MONTH;
    return kept
        + invocations
            * (gbSeconds(memoryMb, true) * lambda().provisionedDurationGbSecond()
                + prices.lambdaRequest());
  }

  /** The utilisation above which provisioned concurrency costs less than on demand. */
  double breakEvenUtilisation() {
    CloudPrices.Lambda p = lambda();
    return p.provisionedGbSecond() / (p.gbSecond() - p.provisionedDurationGbSecond());
  }

  /**
   * The smallest node whose usable memory holds the 95 % working set, or null (none, or no data).
   */
  CloudPrices.@Nullable Node elastiCacheNode() {
    Double bytes = traffic.workingSetBytes95();
    if (bytes == null) {
      return null;
    }
    for (CloudPrices.Node node : prices.nodes()) {
      if (node.gib() * 1024 * 1024 * 1024 * ELASTICACHE_USABLE >= bytes * REDIS_OVERHEAD) {
        return node;
      }
    }
    return null;
  }

  /** DynamoDB tier reads per second: calls the cache did not answer on cacheable (GET) routes. */
  double dynamoReadsPerSecond() {
    return traffic.routes().stream()
        .filter(r -> r.route().startsWith("GET "))
        .mapToDouble(Traffic.Route::missesPerSecond)
        .sum();
  }

  /** DynamoDB tier writes per second: each miss stored, each write's invalidation marker. */
  double dynamoWritesPerSecond() {
    return traffic.routes().stream()
        .mapToDouble(r -> r.route().startsWith("GET ") ? r.missesPerSecond() : r.perSecond())
        .sum();
  }

  /** USD a month for the DynamoDB tier on demand (strongly consistent reads). */
  double monthlyDynamoDb() {
    double readUnits = Math.ceil(itemBytes / 4096.0);
    double writeUnits = Math.ceil(itemBytes / 1024.0);
    return SECONDS_PER_MONTH
        * (dynamoReadsPerSecond() * readUnits * prices.dynamoReadUnit()
            + dynamoWritesPerSecond() * writeUnits * prices.dynamoWriteUnit());
  }
}
