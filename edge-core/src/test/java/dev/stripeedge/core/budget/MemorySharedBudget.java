package dev.stripeedge.core.budget;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A shared budget in memory on the test's clock: the same token buckets the shaper uses, one per
 * limiter, answered at once; it can be taken down (calls fail) or made to hang (calls never
 * answer). Single-threaded use, like {@link FakeTime}.
 */
final class MemorySharedBudget implements SharedBudget {

  enum State {
    UP,
    DOWN,
    HANGING
  }

  private final FakeTime time;
  private final Map<String, Bucket> buckets = new HashMap<>();
  private final List<CompletableFuture<?>> unanswered = new ArrayList<>();
  private State state = State.UP;
  private int edges = 1;
  private int leases;
  private Duration roundTrip = Duration.ZERO;

  MemorySharedBudget(FakeTime time) {
    this.time = time;
  }

  /**
   * Answers that long after a call (zero: at once, inline). Fake time has no jitter: without a
   * round trip, edges whose retries fall due together are always served in the same order.
   */
  void roundTrip(Duration value) {
    roundTrip = value;
  }

  void state(State value) {
    state = value;
  }

  /** What announcements answer: the edges alive. */
  void edges(int value) {
    edges = value;
  }

  /** Leases asked for so far, answered or not. */
  int leases() {
    return leases;
  }

  @Override
  public CompletableFuture<Grant> lease(String key, double rate, double capacity, int want) {
    leases++;
    return answer(
        () -> {
          long now = time.nanos();
          Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(rate, capacity / rate, now));
          int granted = 0;
          while (granted < want && bucket.available(now)) {
            bucket.take();
            granted++;
          }
          // Short of what was asked for, the bucket holds less than a token: until the next one,
          // then the rest.
          long refilled =
              granted == want ? 0 : bucket.nanosUntilToken(now) + (long) ((want - 1) * 1e9 / rate);
          return new Grant(granted, refilled);
        });
  }

  @Override
  public CompletableFuture<Integer> announce(Duration ttl) {
    return answer(() -> edges);
  }

  @Override
  public boolean open() {
    return true;
  }

  private <T> CompletableFuture<T> answer(java.util.function.Supplier<T> value) {
    return switch (state) {
      case UP ->
          roundTrip.isZero()
              ? CompletableFuture.completedFuture(value.get())
              : CompletableFuture.completedFuture(value.get())
                  .thenCombine(time.after(roundTrip), (answer, waited) -> answer);
      case DOWN -> CompletableFuture.failedFuture(new IllegalStateException("store down"));
      case HANGING -> {
        CompletableFuture<T> never = new CompletableFuture<>();
        unanswered.add(never);
        yield never;
      }
    };
  }
}
