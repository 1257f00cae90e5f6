package dev.stripeedge.bench.consistency;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The same flows through the edge and straight to the simulator read the same after every write
 * (issue 17). A fixed seed and a small budget here; {@code bin/stripe-edge bench consistency} runs
 * it longer. A failure prints the write sequence that produced the stale read, which the seed
 * replays.
 */
class SideEffectDifferentialIT {

  @Test
  void everyReadAfterAWriteMatchesTheUpstream() throws Exception {
    ConsistencyCheck.Report report = ConsistencyScenario.run(60, 17);

    assertThat(report.reads()).as("reads compared").isGreaterThan(1_000);
    // Most writes must really change something, and most reads come from the cache (objects and
    // the opted-in lists), or the check proves nothing.
    assertThat(report.writesApplied()).isGreaterThan(report.writes() * 3 / 4);
    assertThat(report.hits()).as("cache hits among the reads").isGreaterThan(report.reads() / 2);
    assertThat(report.failures()).as("stale reads").isEmpty();
    assertThat(report.stale()).isZero();
  }

  @Test
  void anotherSeedToo() throws Exception {
    ConsistencyCheck.Report report = ConsistencyScenario.run(40, 4242);

    assertThat(report.failures()).as("stale reads").isEmpty();
  }
}
