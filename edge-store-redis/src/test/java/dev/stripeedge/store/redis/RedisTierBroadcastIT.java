package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two edge instances on one Redis: each hears the other's invalidations, never its own. */
class RedisTierBroadcastIT {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private static RedisTier tier(String prefix) {
    return RedisTier.connect(
        RedisTierConfig.standalone(redis.uri())
            .withKeyPrefix(prefix)
            .withCommandTimeout(Duration.ofSeconds(2)));
  }

  @Test
  void anInvalidationThroughOneInstanceReachesTheOthersListenerOnly() throws Exception {
    try (RedisTier a = tier("broadcast:");
        RedisTier b = tier("broadcast:")) {
      BlockingQueue<Collection<String>> heardByA = new LinkedBlockingQueue<>();
      BlockingQueue<Collection<String>> heardByB = new LinkedBlockingQueue<>();
      a.onRemoteInvalidation(heardByA::add);
      b.onRemoteInvalidation(heardByB::add);

      a.invalidate(List.of("cus_1", "pi_2")).get(10, TimeUnit.SECONDS);
      assertThat(heardByB.poll(10, TimeUnit.SECONDS)).containsExactlyInAnyOrder("cus_1", "pi_2");

      // Pub/sub keeps publish order: had A heard its own message, it would come before this one.
      b.invalidate(List.of("cus_3")).get(10, TimeUnit.SECONDS);
      assertThat(heardByA.poll(10, TimeUnit.SECONDS)).containsExactly("cus_3");
      assertThat(heardByB).isEmpty();
    }
  }

  @Test
  void aLostSubscriptionIsReportedAsAGapOnceItIsBackAndInvalidationsFlowAgain() throws Exception {
    try (RedisTier a = tier("gap:");
        RedisTier b = tier("gap:")) {
      BlockingQueue<Collection<String>> heardByA = new LinkedBlockingQueue<>();
      a.onRemoteInvalidation(heardByA::add);
      // A hears B: its first subscription is done, and was not reported to listeners added later.
      b.invalidate(List.of("cus_before")).get(10, TimeUnit.SECONDS);
      assertThat(heardByA.poll(10, TimeUnit.SECONDS)).containsExactly("cus_before");
      AtomicInteger gaps = new AtomicInteger();
      a.onBroadcastGap(gaps::incrementAndGet);
      assertThat(gaps).hasValue(0);

      // The server drops every pub/sub client, as a network blip would; Lettuce reconnects.
      assertThat(redis.command("CLIENT KILL TYPE pubsub")).isNotEqualTo(":0");

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (gaps.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(gaps).as("gaps reported after the reconnect").hasValue(1);
      b.invalidate(List.of("cus_after")).get(10, TimeUnit.SECONDS);
      assertThat(heardByA.poll(10, TimeUnit.SECONDS)).containsExactly("cus_after");
    }
  }

  @Test
  void instancesUnderAnotherPrefixDoNotHearIt() throws Exception {
    try (RedisTier a = tier("one:");
        RedisTier sameServerOtherPrefix = tier("two:");
        RedisTier b = tier("one:")) {
      BlockingQueue<Collection<String>> other = new LinkedBlockingQueue<>();
      BlockingQueue<Collection<String>> heardByB = new LinkedBlockingQueue<>();
      sameServerOtherPrefix.onRemoteInvalidation(other::add);
      b.onRemoteInvalidation(heardByB::add);

      a.invalidate(List.of("cus_9")).get(10, TimeUnit.SECONDS);

      // Redis hands a message to every subscriber of its channel in one pass: had the other
      // prefix shared the channel, its copy would have been sent along with B's.
      assertThat(heardByB.poll(10, TimeUnit.SECONDS)).containsExactly("cus_9");
      assertThat(other).isEmpty();
    }
  }

  @Test
  void aFailingListenerDoesNotStopTheOthers() throws Exception {
    try (RedisTier a = tier("broadcast:");
        RedisTier b = tier("broadcast:")) {
      BlockingQueue<Collection<String>> heard = new LinkedBlockingQueue<>();
      b.onRemoteInvalidation(
          ids -> {
            throw new IllegalStateException("listener bug");
          });
      b.onRemoteInvalidation(heard::add);

      a.invalidate(List.of("cus_4")).get(10, TimeUnit.SECONDS);
      a.invalidate(List.of("cus_5")).get(10, TimeUnit.SECONDS);

      assertThat(heard.poll(10, TimeUnit.SECONDS)).containsExactly("cus_4");
      assertThat(heard.poll(10, TimeUnit.SECONDS)).containsExactly("cus_5");
    }
  }
}
