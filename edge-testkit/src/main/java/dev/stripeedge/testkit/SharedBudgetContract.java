package dev.stripeedge.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.budget.SharedBudget;
import dev.stripeedge.core.budget.SharedBudget.Grant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SharedBudget} store must do, on a {@link FakeTime} so every grant and wait is
 * exact. A store's test extends this class and connects edges to its real server (Redis) or to
 * memory ({@link MemorySharedBudget}), with the buckets refilled by the fake time's wall clock.
 *
 * <p>Buckets are named afresh for each test, so stores may share one server; the live-edge count is
 * the store's own, so edges of one test must not see another test's: give each {@link #connect}
 * call of one test instance the same fresh namespace (a key prefix).
 */
public abstract class SharedBudgetContract {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration LONG_TTL = Duration.ofMinutes(1);
  private static final double RATE = 10;
  private static final double CAPACITY = 3;

  private final FakeTime time = new FakeTime();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final List<SharedBudget> opened = new ArrayList<>();

  /**
   * Another edge on the store under test: each call of one test instance connects to the same store
   * (and namespace), and its buckets are refilled by {@code time} ({@link FakeTime#clock()} or
   * {@link FakeTime#epochMicros()}), not by a real clock.
   */
  protected abstract SharedBudget connect(FakeTime time) throws Exception;

  /** Closes an edge: it leaves the live edges at once. */
  protected abstract void close(SharedBudget budget) throws Exception;

  @AfterEach
  void closeEdges() throws Exception {
    for (SharedBudget budget : opened) {
      if (budget.open()) {
        close(budget);
      }
    }
  }

  /** The time the store's buckets are refilled by. */
  protected final FakeTime time() {
    return time;
  }

  /** A limiter name unique to this test. */
  protected final String bucket(String name) {
    return "acct-" + run + "|" + name;
  }

  private SharedBudget edge() throws Exception {
    SharedBudget budget = connect(time);
    opened.add(budget);
    return budget;
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Grant lease(SharedBudget budget, String key, int want) throws Exception {
    return await(budget.lease(key, RATE, CAPACITY, want));
  }

  private static long millis(long value) {
    return TimeUnit.MILLISECONDS.toNanos(value);
  }

  @Test
  void aNewBucketIsFullAndGrantsNoMoreThanItHolds() throws Exception {
    SharedBudget budget = edge();
    String key = bucket("global");

    // Capacity 3 of the 5 asked for; a full bucket (3 tokens at 10/s) is 0.3 s away.
    assertThat(lease(budget, key, 5)).isEqualTo(new Grant(3, millis(300)));
    assertThat(lease(budget, key, 5)).isEqualTo(new Grant(0, millis(300)));
  }

  @Test
  void aLeaseThatGetsAllItAskedForHasNothingToWaitFor() throws Exception {
    SharedBudget budget = edge();
    String key = bucket("global");

    assertThat(lease(budget, key, 2)).isEqualTo(new Grant(2, 0));
    assertThat(lease(budget, key, 1)).isEqualTo(new Grant(1, 0));
    // Empty: one token is 0.1 s away.
    assertThat(lease(budget, key, 1)).isEqualTo(new Grant(0, millis(100)));
  }

  @Test
  void tokensComeBackAtTheRateByTheStoresClockAndNeverBeyondTheCapacity() throws Exception {
    SharedBudget budget = edge();
    String key = bucket("global");
    lease(budget, key, 3);

    time.advance(Duration.ofMillis(100));
    assertThat(lease(budget, key, 3)).isEqualTo(new Grant(1, millis(300)));
    time.advance(Duration.ofMillis(50));
    assertThat(lease(budget, key, 3)).isEqualTo(new Grant(0, millis(250)));
    time.advance(Duration.ofMinutes(1));
    // Idle for a minute: full again, never more than the capacity.
    assertThat(lease(budget, key, 5)).isEqualTo(new Grant(3, millis(300)));
  }

  @Test
  void twoEdgesTakeFromTheSameBucketAndOtherLimitersAreApart() throws Exception {
    SharedBudget a = edge();
    SharedBudget b = edge();
    String key = bucket("global");

    assertThat(lease(a, key, 2).tokens()).isEqualTo(2);
    assertThat(lease(b, key, 2).tokens()).isEqualTo(1);
    assertThat(lease(b, bucket("endpoint"), 2).tokens()).isEqualTo(2);
  }

  @Test
  void concurrentLeasesNeverGrantATokenTwice() throws Exception {
    List<SharedBudget> edges = List.of(edge(), edge(), edge(), edge());
    String key = bucket("global");
    ExecutorService threads = Executors.newFixedThreadPool(edges.size());
    try {
      List<Future<Integer>> granted = new ArrayList<>();
      for (SharedBudget edge : edges) {
        granted.add(
            threads.submit(
                () -> {
                  int sum = 0;
                  for (int i = 0; i < 10; i++) {
                    // A bucket of 20 that refills once in 1000 s: the fake time stands still.
                    sum += await(edge.lease(key, 0.001, 20, 1)).tokens();
                  }
                  return sum;
                }));
      }
      int total = 0;
      for (Future<Integer> each : granted) {
        total += each.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
      assertThat(total).isEqualTo(20);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void theHeartbeatCountsLiveEdgesAndAClosedEdgeLeavesAtOnce() throws Exception {
    SharedBudget a = edge();
    SharedBudget b = edge();

    assertThat(await(a.announce(LONG_TTL))).isEqualTo(1);
    assertThat(await(b.announce(LONG_TTL))).isEqualTo(2);
    assertThat(await(a.announce(LONG_TTL))).as("announcing again is not another edge").isEqualTo(2);

    close(b);

    assertThat(b.open()).isFalse();
    assertThat(a.open()).isTrue();
    assertThat(await(a.announce(LONG_TTL))).isEqualTo(1);
  }

  @Test
  void aClosedEdgeFailsItsCallsInsteadOfHanging() throws Exception {
    SharedBudget budget = edge();
    close(budget);

    CompletableFuture<Grant> lease = budget.lease(bucket("global"), RATE, CAPACITY, 1);
    assertThat(lease).failsWithin(WAIT);
  }
}
