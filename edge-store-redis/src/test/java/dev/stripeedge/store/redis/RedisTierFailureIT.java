package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.testkit.RedisServerExtension;
import io.lettuce.core.RedisCommandTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis killed or stuck mid-run: the tier fails fast, never hangs, and recovers by itself. */
class RedisTierFailureIT {

  // Its own server: these tests kill and freeze it.
  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  /** Far above the tier's timeout: only a hang would reach it. */
  private static final long HANG_SECONDS = 10;

  private final String run = UUID.randomUUID().toString().substring(0, 8);

  private TierEntry entry(String name) {
    long now = System.currentTimeMillis();
    return new TierEntry(
        "failure:" + run + ":" + name,
        name.getBytes(StandardCharsets.UTF_8),
        Set.of("cus_" + run + name),
        now,
        now + 60_000);
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(HANG_SECONDS, TimeUnit.SECONDS);
  }

  private static void assertFails(CompletableFuture<?> future) {
    assertThatThrownBy(() -> future.get(HANG_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
  }

  // Generous on a shared build machine; a dead server is refused at once, not timed out.
  private static RedisTier tier(Duration timeout) {
    return RedisTier.connect(RedisTierConfig.standalone(redis.uri()).withCommandTimeout(timeout));
  }

  @Test
  void whileRedisIsDownEveryOperationFailsAndItWorksAgainOnceRedisIsBack() throws Exception {
    try (RedisTier tier = tier(Duration.ofSeconds(1))) {
      TierEntry before = entry("before");
      assertThat(await(tier.put(before))).isTrue();

      redis.stop();

      assertFails(tier.get(before.key()));
      assertFails(tier.getAll(List.of(before.key())));
      assertFails(tier.put(entry("during")));
      assertFails(tier.invalidate(before.ids()));

      redis.start();

      // The client reconnects by itself (backoff capped at 1 s); the restarted server is empty.
      TierEntry after = entry("after");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!putSucceeds(tier, after)) {
        assertThat(System.nanoTime()).as("tier still failing after restart").isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(await(tier.get(after.key()))).isEqualTo(after);
      assertThat(await(tier.get(before.key()))).isNull();
    }
  }

  private static boolean putSucceeds(RedisTier tier, TierEntry entry) throws Exception {
    try {
      return await(tier.put(entry));
    } catch (ExecutionException e) {
      return false;
    }
  }

  @Test
  void invalidationsReachOtherInstancesAgainAfterARestart() throws Exception {
    try (RedisTier a = tier(Duration.ofSeconds(1));
        RedisTier b = tier(Duration.ofSeconds(1))) {
      BlockingQueue<Collection<String>> heardByB = new LinkedBlockingQueue<>();
      b.onRemoteInvalidation(heardByB::add);

      redis.stop();
      redis.start();

      // Both reconnect on their own and B subscribes again; what was published before B was back
      // is lost (pub/sub keeps nothing), so keep invalidating until B hears one.
      String id = "cus_" + run + "restart";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      Collection<String> heard = null;
      while (heard == null) {
        assertThat(System.nanoTime()).as("B never heard A after restart").isLessThan(deadline);
        try {
          await(a.invalidate(List.of(id)));
        } catch (ExecutionException stillReconnecting) {
          Thread.sleep(100);
          continue;
        }
        heard = heardByB.poll(200, TimeUnit.MILLISECONDS);
      }
      assertThat(heard).containsExactly(id);
    }
  }

  @Test
  void aStuckRedisTimesOutTheCommandInsteadOfHanging() throws Exception {
    try (RedisTier tier = tier(Duration.ofMillis(200))) {
      TierEntry stored = entry("stuck");
      assertThat(await(tier.put(stored))).isTrue();

      redis.pause();
      try {
        assertThatThrownBy(() -> tier.get(stored.key()).get(HANG_SECONDS, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(RedisCommandTimeoutException.class);
      } finally {
        redis.resume();
      }

      assertThat(await(tier.get(stored.key()))).isEqualTo(stored);
    }
  }

  @Test
  void aTierStartedWhileRedisIsDownFailsFastThenConnectsByItself() throws Exception {
    redis.stop();
    try (RedisTier late = tier(Duration.ofSeconds(1))) {
      assertThat(late.connected()).isFalse();
      assertThatThrownBy(() -> late.get("k").get(HANG_SECONDS, TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not connected to [" + redis.uri() + "]");
      BlockingQueue<Collection<String>> heardByLate = new LinkedBlockingQueue<>();
      late.onRemoteInvalidation(heardByLate::add);

      redis.start();

      TierEntry stored = entry("late");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!putSucceeds(late, stored)) {
        assertThat(System.nanoTime()).as("never connected").isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(late.connected()).isTrue();
      assertThat(await(late.get(stored.key()))).isEqualTo(stored);
      // It subscribed when it connected: another instance's invalidation reaches it.
      try (RedisTier other = tier(Duration.ofSeconds(1))) {
        await(other.invalidate(stored.ids()));
      }
      assertThat(heardByLate.poll(10, TimeUnit.SECONDS)).containsExactlyElementsOf(stored.ids());
    } finally {
      if (!redis.running()) {
        redis.start();
      }
    }
  }

  @Test
  void aTierThatCannotConnectNamesTheAddressButNotThePassword() throws Exception {
    int nobody;
    try (var socket = new java.net.ServerSocket(0)) {
      nobody = socket.getLocalPort();
    }
    RedisTierConfig config = RedisTierConfig.standalone("redis://:hunter2@127.0.0.1:" + nobody);

    try (RedisTier tier = RedisTier.connect(config)) {
      assertThatThrownBy(() -> tier.put(entry("x")).get(HANG_SECONDS, TimeUnit.SECONDS))
          .hasMessageContaining("127.0.0.1:" + nobody)
          .hasMessageNotContaining("hunter2");
    }
  }
}
