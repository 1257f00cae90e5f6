package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SingleFlightTest {

  private final L0Cache l0 = new L0Cache(1 << 20, () -> 0);
  private final SingleFlight flights = new SingleFlight(l0);
  private final CacheKey key = new CacheKey("k1");
  private final AtomicInteger started = new AtomicInteger();
  private final CompletableFuture<SingleFlight.Filled> upstream = new CompletableFuture<>();

  private SingleFlight.Joined join() {
    return flights.join(
        key,
        token -> {
          started.incrementAndGet();
          return upstream;
        });
  }

  private static SingleFlight.Filled filled() {
    return new SingleFlight.Filled(
        new Exchange(new Exchange.Answered(new EdgeResponse(200, Map.of(), new byte[0])), 1, 0, 0),
        true);
  }

  @Test
  void aSecondMissJoinsTheFlightInProgress() {
    SingleFlight.Joined first = join();
    SingleFlight.Joined second = join();

    assertThat(first.collapsed()).isFalse();
    assertThat(second.collapsed()).isTrue();
    assertThat(second.flight()).isSameAs(first.flight());
    assertThat(started).hasValue(1);
  }

  @Test
  void aFlightThatStartedBeforeAnInvalidationIsNotJoined() {
    SingleFlight.Joined first = join();
    l0.invalidate("cus_1");

    SingleFlight.Joined second = join();

    assertThat(second.collapsed()).isFalse();
    assertThat(second.flight()).isNotSameAs(first.flight());
    assertThat(started).hasValue(2);
  }

  @Test
  void aLandedFlightIsLeftBeforeItsResultCompletes() {
    SingleFlight.Joined first = join();
    CompletableFuture<Boolean> joinedOnLanding =
        first.flight().result().thenApply(filled -> join().collapsed());

    upstream.complete(filled());

    assertThat(first.flight().result()).isCompletedWithValueMatching(SingleFlight.Filled::stored);
    assertThat(joinedOnLanding).isCompletedWithValue(false);
  }

  @Test
  void aFailedOrThrowingStartEndsInAFailedExchange() {
    SingleFlight.Joined failed =
        flights.join(
            key, token -> CompletableFuture.failedFuture(new IllegalStateException("bug")));
    SingleFlight.Joined threw =
        flights.join(
            new CacheKey("k2"),
            token -> {
              throw new IllegalStateException("bug");
            });

    for (SingleFlight.Joined joined : new SingleFlight.Joined[] {failed, threw}) {
      SingleFlight.Filled result = joined.flight().result().join();
      assertThat(result.stored()).isFalse();
      assertThat(result.exchange().failure()).isNotNull();
      assertThat(result.exchange().failed()).isTrue();
    }
  }
}
