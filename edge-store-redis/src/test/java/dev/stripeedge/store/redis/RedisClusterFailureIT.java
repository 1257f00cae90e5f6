package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A cluster node killed mid-run: calls fail instead of hanging, and the tier recovers. */
class RedisClusterFailureIT {

  // Its own cluster: this test kills a node.
  @RegisterExtension static final RedisClusterExtension cluster = new RedisClusterExtension();

  private static final int KEYS = 30;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  private List<TierEntry> entries() {
    long now = System.currentTimeMillis();
    List<TierEntry> entries = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      entries.add(
          new TierEntry(
              "cluster-failure:" + run + ":" + i,
              new byte[] {(byte) i},
              Set.of("cus_" + run + i),
              now,
              now + 60_000));
    }
    return entries;
  }

  @Test
  void aKilledNodeFailsItsCallsAndTheTierWorksAgainWhenItIsBack() throws Exception {
    RedisTierConfig config =
        RedisTierConfig.cluster(cluster.uris()).withCommandTimeout(Duration.ofSeconds(1));
    try (RedisTier tier = RedisTier.connect(config)) {
      for (TierEntry entry : entries()) {
        assertThat(tier.put(entry).get(10, TimeUnit.SECONDS)).isTrue();
      }

      cluster.stopNode(0);
      int failed = 0;
      try {
        // Thirty keys land on every node: those on the dead one fail; none may hang.
        for (TierEntry entry : entries()) {
          try {
            tier.get(entry.key()).get(10, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            failed++;
          }
        }
      } finally {
        cluster.startNode(0);
      }
      assertThat(failed).isPositive();

      List<TierEntry> fresh = entries();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!allStored(tier, fresh)) {
        assertThat(System.nanoTime()).as("tier still failing").isLessThan(deadline);
        Thread.sleep(200);
        fresh = entries();
      }
      for (TierEntry entry : fresh) {
        assertThat(tier.get(entry.key()).get(10, TimeUnit.SECONDS)).isEqualTo(entry);
      }
    }
  }

  private static boolean allStored(RedisTier tier, List<TierEntry> entries) throws Exception {
    try {
      for (TierEntry entry : entries) {
        if (!tier.put(entry).get(10, TimeUnit.SECONDS)) {
          return false;
        }
      }
      return true;
    } catch (ExecutionException e) {
      return false;
    }
  }
}
