package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.testkit.TierContract;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteTierTest extends TierContract {

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("edge.db");
  }

  @Override
  protected CacheTier newTier() {
    return SqliteTier.open(file(), SqliteTierConfig.defaults());
  }

  /** A wall clock that moves one millisecond per reading, and further when told. */
  private static final class SteppingClock extends Clock {
    private final AtomicLong millis = new AtomicLong(System.currentTimeMillis());

    void advance(Duration by) {
      millis.addAndGet(by.toMillis());
    }

    long peek() {
      return millis.get();
    }

    @Override
    public long millis() {
      return millis.incrementAndGet();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  private static TierEntry sized(String key, int bytes, long fetched, long expires) {
    return new TierEntry(key, new byte[bytes], Set.of("cus_" + key), fetched, expires);
  }

  @Test
  void theLeastRecentlyUsedRowsGoWhenTheBoundIsCrossed() {
    SteppingClock clock = new SteppingClock();
    long forever = clock.peek() + Duration.ofHours(1).toMillis();
    SqliteTierConfig config = SqliteTierConfig.defaults().withMaxBytes(64 * 1024);
    try (SqliteTier tier = SqliteTier.open(dir.resolve("bounded.db"), config, clock)) {
      for (int i = 0; i < 20; i++) {
        assertThat(await(tier.put(sized("k" + i, 2_000, clock.peek(), forever)))).isTrue();
      }
      // Read after every put so far: k0 is now the most recently used of the first twenty.
      // About 31 rows fit; the fifteen puts below cross the bound once and evict a few rows.
      assertThat(await(tier.get("k0"))).isNotNull();

      for (int i = 20; i < 35; i++) {
        await(tier.put(sized("k" + i, 2_000, clock.peek(), forever)));
      }

      assertThat(await(tier.bytes())).isLessThanOrEqualTo(64 * 1024);
      assertThat(await(tier.get("k0"))).as("recently read").isNotNull();
      assertThat(await(tier.get("k1"))).as("least recently used").isNull();
      assertThat(await(tier.get("k34"))).as("just stored").isNotNull();
    }
  }

  @Test
  void entriesAndInvalidationsSurviveARestart() {
    long now = System.currentTimeMillis();
    TierEntry kept =
        new TierEntry("kept", new byte[] {1, 2, 3}, Set.of("cus_kept"), now, now + 60_000);
    try (SqliteTier tier = SqliteTier.open(file(), SqliteTierConfig.defaults())) {
      await(tier.put(kept));
      await(tier.invalidate(List.of("cus_written")));
    }

    try (SqliteTier restarted = SqliteTier.open(file(), SqliteTierConfig.defaults())) {
      assertThat(await(restarted.get("kept"))).isEqualTo(kept);
      // A fill that began before the write, landing after the restart, is still refused.
      TierEntry stale =
          new TierEntry("raced", new byte[] {9}, Set.of("cus_written"), now - 5_000, now + 60_000);
      assertThat(await(restarted.put(stale))).isFalse();
    }
  }

  @Test
  void expiredRowsAndOldMarkersArePurged() {
    SteppingClock clock = new SteppingClock();
    long start = clock.peek();
    try (SqliteTier tier = SqliteTier.open(file(), SqliteTierConfig.defaults(), clock)) {
      await(tier.put(sized("brief", 1_000, start, start + 5_000)));
      await(tier.invalidate(List.of("cus_gone")));
      assertThat(await(tier.bytes())).isPositive();

      clock.advance(Duration.ofMinutes(6));
      await(tier.maintain());

      assertThat(await(tier.bytes())).isZero();
      // The marker outlived its retention: a fill that started before it is no longer refused.
      TierEntry late =
          new TierEntry(
              "late", new byte[] {1}, Set.of("cus_gone"), start - 1_000, clock.peek() + 60_000);
      assertThat(await(tier.put(late))).isTrue();
    }
  }

  @Test
  void theLedgerAndTheTierShareOneFile() {
    try (EventLedger ledger = SqliteEventLedger.open(file());
        SqliteTier tier = SqliteTier.open(file(), SqliteTierConfig.defaults())) {
      long now = System.currentTimeMillis();
      TierEntry entry = new TierEntry("shared", new byte[] {7}, Set.of("cus_s"), now, now + 60_000);

      List<Object> results = new ArrayList<>();
      results.add(
          ledger.record(
              new StripeEvent("evt_shared", "customer.updated", 1, "cus_s", null, Set.of("cus_s")),
              Instant.now()));
      results.add(await(tier.put(entry)));

      assertThat(results).containsExactly(EventLedger.Recorded.NEW, true);
      assertThat(await(tier.get("shared"))).isEqualTo(entry);
      assertThat(ledger.contains("evt_shared")).isTrue();
    }
  }

  @Test
  void stalePutsFromOneEdgeNeverSurviveAnotherEdgesInvalidationOfTheSameFile() throws Exception {
    // Two edges (two tiers, their own connections) on one file: the race crosses connections.
    try (SqliteTier filler = SqliteTier.open(file(), SqliteTierConfig.defaults());
        SqliteTier writer = SqliteTier.open(file(), SqliteTierConfig.defaults());
        ExecutorService pool = Executors.newFixedThreadPool(4)) {
      for (int round = 0; round < 20; round++) {
        String id = "cus_cross" + round;
        long fetchStarted = System.currentTimeMillis() - 5_000;
        List<CompletableFuture<?>> racing = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          String key = "cross" + round + "-" + i;
          keys.add(key);
          TierEntry stale =
              new TierEntry(key, new byte[] {1}, Set.of(id), fetchStarted, fetchStarted + 60_000);
          racing.add(
              CompletableFuture.supplyAsync(() -> filler.put(stale), pool).thenCompose(f -> f));
        }
        racing.add(
            CompletableFuture.supplyAsync(() -> writer.invalidate(List.of(id)), pool)
                .thenCompose(f -> f));
        racing.forEach(TierContract::await);

        assertThat(await(filler.getAll(keys))).as("round %d", round).isEmpty();
        assertThat(await(writer.getAll(keys))).as("round %d", round).isEmpty();
      }
    }
  }
}
