package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.testkit.RedisClusterExtension;
import dev.stripeedge.testkit.TierContract;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tier contract against a real three-node Redis Cluster: puts go in steps that each touch one
 * hash slot, which the kit's race cases check.
 */
class RedisClusterTierIT extends TierContract {

  @RegisterExtension static final RedisClusterExtension cluster = new RedisClusterExtension();

  static RedisTierConfig config() {
    return RedisTierConfig.cluster(cluster.uris()).withCommandTimeout(Duration.ofSeconds(2));
  }

  @Override
  protected CacheTier newTier() {
    return RedisTier.connect(config());
  }

  @Override
  protected Duration clockTolerance() {
    return config().clockTolerance();
  }

  @Test
  void anInvalidationThroughOneInstanceReachesTheOther() throws Exception {
    try (RedisTier a = RedisTier.connect(config());
        RedisTier b = RedisTier.connect(config())) {
      BlockingQueue<Collection<String>> heardByA = new LinkedBlockingQueue<>();
      BlockingQueue<Collection<String>> heardByB = new LinkedBlockingQueue<>();
      a.onRemoteInvalidation(heardByA::add);
      b.onRemoteInvalidation(heardByB::add);

      await(a.invalidate(List.of(id("x"), id("y"))));
      assertThat(heardByB.poll(10, TimeUnit.SECONDS)).containsExactlyInAnyOrder(id("x"), id("y"));

      await(b.invalidate(List.of(id("z"))));
      assertThat(heardByA.poll(10, TimeUnit.SECONDS)).containsExactly(id("z"));
    }
  }

  @Test
  void anEntryAndItsIdsSpreadOverSeveralNodesStillInvalidate() {
    // Ten ids hash to slots all over the three nodes; the entry's own key to yet another.
    List<String> ids = IntStream.range(0, 10).mapToObj(i -> id("spread" + i)).toList();
    TierEntry spread =
        new TierEntry(key("spread"), new byte[] {7}, Set.copyOf(ids), now(), now() + 60_000);
    assertThat(await(tier().put(spread))).isTrue();
    assertThat(await(tier().get(key("spread")))).isEqualTo(spread);

    await(tier().invalidate(List.of(ids.get(7))));

    assertThat(await(tier().get(key("spread")))).isNull();
    assertThat(await(tier().put(spread))).isFalse();
  }
}
