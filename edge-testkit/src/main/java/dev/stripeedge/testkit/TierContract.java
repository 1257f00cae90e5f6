package dev.stripeedge.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CacheTier} must do. A tier's test extends this class and creates the tier
 * against its real server; each test uses fresh keys and ids, so tiers may share one server.
 */
public abstract class TierContract {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private @Nullable CacheTier tier;

  /** A tier on the real server, fresh or shared: keys and ids below are unique to each test. */
  protected abstract CacheTier newTier() throws Exception;

  /**
   * How far the tier's clock may be from the test's: an invalidation refuses puts whose fetch
   * started up to this much after it. The kit keeps its "after" cases beyond it.
   */
  protected Duration clockTolerance() {
    return Duration.ofSeconds(1);
  }

  @BeforeEach
  void openTier() throws Exception {
    tier = newTier();
  }

  @AfterEach
  void closeTier() {
    if (tier != null) {
      tier.close();
    }
  }

  /** The tier under test. */
  protected final CacheTier tier() {
    CacheTier current = tier;
    if (current == null) {
      throw new IllegalStateException("the tier is opened before each test, by the kit");
    }
    return current;
  }

  /** A key unique to this test instance. */
  protected final String key(String name) {
    return "contract:" + run + ":" + name;
  }

  /** An object id unique to this test instance. */
  protected final String id(String name) {
    return "cus_" + run + name;
  }

  protected static long now() {
    return System.currentTimeMillis();
  }

  protected final TierEntry entry(String key, String body, long fetchStarted, String... ids) {
    return new TierEntry(
        key,
        body.getBytes(StandardCharsets.UTF_8),
        Set.of(ids),
        fetchStarted,
        now() + Duration.ofMinutes(5).toMillis());
  }

  protected static <T extends @Nullable Object> T await(CompletableFuture<T> future) {
    return future.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  private @Nullable String body(String key) {
    @Nullable TierEntry found = await(tier().get(key));
    return found == null ? null : new String(found.value(), StandardCharsets.UTF_8);
  }

  @Test
  void anAbsentKeyIsNull() {
    assertThat(await(tier().get(key("nothing")))).isNull();
  }

  @Test
  void aStoredEntryComesBackAsItWent() {
    TierEntry stored = entry(key("a"), "{\"id\":\"x\"}", now(), id("a"), "collection:/v1/x");

    assertThat(await(tier().put(stored))).isTrue();

    assertThat(await(tier().get(key("a")))).isEqualTo(stored);
  }

  @Test
  void valuesAreBytesNotText() {
    byte[] every = new byte[256 * 64];
    for (int i = 0; i < every.length; i++) {
      every[i] = (byte) i;
    }
    TierEntry stored = new TierEntry(key("binary"), every, Set.of(id("b")), now(), now() + 60_000);

    await(tier().put(stored));

    @Nullable TierEntry found = await(tier().get(key("binary")));
    assertThat(found).isNotNull().extracting(TierEntry::value).isEqualTo(every);
  }

  @Test
  void aLargeValueRoundTrips() {
    byte[] large = "x".repeat(350_000).getBytes(StandardCharsets.UTF_8);
    TierEntry stored = new TierEntry(key("large"), large, Set.of(id("l")), now(), now() + 60_000);

    assertThat(await(tier().put(stored))).isTrue();

    assertThat(await(tier().get(key("large")))).isEqualTo(stored);
  }

  @Test
  void anExpiredEntryIsNeverReturned() {
    TierEntry expired =
        new TierEntry(key("old"), new byte[] {1}, Set.of(id("o")), now() - 10_000, now() - 1);

    await(tier().put(expired));

    assertThat(await(tier().get(key("old")))).isNull();
    assertThat(await(tier().getAll(List.of(key("old"))))).isEmpty();
  }

  @Test
  void anEntryStopsBeingReturnedAtItsExpiry() throws InterruptedException {
    TierEntry shortLived =
        new TierEntry(key("short"), new byte[] {1}, Set.of(id("s")), now(), now() + 700);
    assertThat(await(tier().put(shortLived))).isTrue();
    assertThat(await(tier().get(key("short")))).isNotNull();

    Thread.sleep(1_000);

    assertThat(await(tier().get(key("short")))).isNull();
  }

  @Test
  void getAllReturnsThePresentLiveEntriesByKey() {
    TierEntry one = entry(key("one"), "1", now(), id("1"));
    TierEntry two = entry(key("two"), "2", now(), id("2"));
    await(tier().put(one));
    await(tier().put(two));

    Map<String, TierEntry> found =
        await(tier().getAll(List.of(key("one"), key("two"), key("missing"))));

    assertThat(found).containsOnlyKeys(key("one"), key("two"));
    assertThat(found.get(key("one"))).isEqualTo(one);
    assertThat(found.get(key("two"))).isEqualTo(two);
    assertThat(await(tier().getAll(List.of()))).isEmpty();
  }

  @Test
  void invalidatingAnIdDropsEveryEntryHoldingIt() {
    long fetched = now() - 5_000;
    await(tier().put(entry(key("retrieve"), "c", fetched, id("c"))));
    await(tier().put(entry(key("expanded"), "pi+c", fetched, id("pi"), id("c"))));
    await(tier().put(entry(key("other"), "d", fetched, id("d"))));

    await(tier().invalidate(List.of(id("c"))));

    assertThat(body(key("retrieve"))).isNull();
    assertThat(body(key("expanded"))).isNull();
    assertThat(body(key("other"))).isEqualTo("d");
  }

  @Test
  void invalidatingSeveralIdsAtOnceDropsEach() {
    long fetched = now() - 5_000;
    await(tier().put(entry(key("x"), "x", fetched, id("x"))));
    await(tier().put(entry(key("y"), "y", fetched, id("y"))));

    await(tier().invalidate(List.of(id("x"), id("y"), id("never-cached"))));

    assertThat(await(tier().getAll(List.of(key("x"), key("y"))))).isEmpty();
  }

  @Test
  void aFetchThatStartedBeforeAnInvalidationIsNotStored() {
    long fetchStarted = now() - 5_000;

    await(tier().invalidate(List.of(id("raced"))));

    // The miss read the object before the write that invalidated it: its body may be stale.
    assertThat(await(tier().put(entry(key("raced"), "stale", fetchStarted, id("raced")))))
        .isFalse();
    assertThat(body(key("raced"))).isNull();
  }

  @Test
  void aFetchThatStartedWellAfterAnInvalidationIsStored() {
    await(tier().invalidate(List.of(id("later"))));

    long fetchStarted = now() + clockTolerance().toMillis() + 1_000;
    assertThat(await(tier().put(entry(key("later"), "fresh", fetchStarted, id("later"))))).isTrue();
    assertThat(body(key("later"))).isEqualTo("fresh");
  }

  @Test
  void anInvalidationOfOneIdDoesNotRefuseFillsOfOthers() {
    await(tier().invalidate(List.of(id("written"))));

    assertThat(await(tier().put(entry(key("unrelated"), "u", now() - 5_000, id("unrelated")))))
        .isTrue();
  }

  @Test
  void anOlderFetchNeverReplacesANewerOne() {
    long older = now() - 5_000;
    long newer = now() - 1_000;
    assertThat(await(tier().put(entry(key("v"), "newer", newer, id("v"))))).isTrue();

    assertThat(await(tier().put(entry(key("v"), "older", older, id("v"))))).isFalse();

    assertThat(body(key("v"))).isEqualTo("newer");
  }

  @Test
  void aNewerFetchReplacesAnOlderOne() {
    assertThat(await(tier().put(entry(key("w"), "older", now() - 5_000, id("w"))))).isTrue();

    assertThat(await(tier().put(entry(key("w"), "newer", now() - 1_000, id("w"))))).isTrue();

    assertThat(body(key("w"))).isEqualTo("newer");
  }

  @Test
  void anEntryStoredAfterAnInvalidationIsDroppedByTheNext() {
    await(tier().invalidate(List.of(id("twice"))));
    long fetched = now() + clockTolerance().toMillis() + 1_000;
    await(tier().put(entry(key("twice"), "t", fetched, id("twice"))));

    await(tier().invalidate(List.of(id("twice"))));

    assertThat(body(key("twice"))).isNull();
  }

  @Test
  void concurrentPutsOfDistinctKeysAreAllStored() {
    int count = 200;
    List<CompletableFuture<Boolean>> puts = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      for (int i = 0; i < count; i++) {
        String name = "many" + i;
        puts.add(
            CompletableFuture.supplyAsync(
                    () -> tier().put(entry(key(name), name, now(), id(name))), pool)
                .thenCompose(f -> f));
      }
      puts.forEach(TierContract::await);
    }
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      keys.add(key("many" + i));
    }

    assertThat(await(tier().getAll(keys))).hasSize(count);
  }

  @Test
  void stalePutsRacingAnInvalidationNeverSurviveIt() {
    // Each round: fills whose fetch started before the write race the write's invalidation. In
    // whatever order they land, none may be readable once both are done.
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      for (int round = 0; round < 20; round++) {
        String id = id("race" + round);
        long fetchStarted = now() - 5_000;
        List<CompletableFuture<?>> racing = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          String key = key("race" + round + "-" + i);
          keys.add(key);
          racing.add(
              CompletableFuture.supplyAsync(
                      () -> tier().put(entry(key, "stale", fetchStarted, id)), pool)
                  .thenCompose(f -> f));
        }
        racing.add(
            CompletableFuture.supplyAsync(() -> tier().invalidate(List.of(id)), pool)
                .thenCompose(f -> f));
        racing.forEach(TierContract::await);

        assertThat(await(tier().getAll(keys))).as("round %d", round).isEmpty();
      }
    }
  }

  @Test
  void aClosedTierCanBeReopened() throws Exception {
    await(tier().put(entry(key("kept"), "kept", now(), id("kept"))));
    tier().close();
    tier = newTier();

    // A shared or durable tier keeps what it stored across clients and restarts.
    assertThat(body(key("kept"))).isEqualTo("kept");
  }
}
