package dev.stripeedge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.testkit.FakeTime;
import dev.stripeedge.testkit.Waits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LifecycleTest {

  @ParameterizedTest(name = "started at {0}, took {1}, bound {2}: next at {3}")
  @CsvSource({
    "0, 0, 5000, 5000",
    // The pass's own time comes off the wait, so what it missed lands within the bound.
    "0, 300, 5000, 4700",
    "1000, 300, 5000, 5700",
    "0, 2500, 5000, 2500",
    // A pass slower than half the bound: no sooner than half the bound (a slow upstream is not a
    // reason to poll it harder).
    "0, 9000, 5000, 2500",
    // A ticker that stepped back counts as no time taken.
    "0, -5, 5000, 5000",
  })
  void aJobWithinABoundStartsAgainTheBoundAfterItsStartLessItsOwnTime(
      long at, long took, long bound, long next) {
    assertThat(Lifecycle.nextWithin(at, took, bound)).isEqualTo(next);
  }

  @Test
  void withinRunsTheJobAgainEarlyByTheTimeItsLastRunTook() throws Exception {
    FakeTime time = new FakeTime();
    List<Long> starts = new CopyOnWriteArrayList<>();
    Semaphore finish = new Semaphore(0);
    try (Lifecycle lifecycle = new Lifecycle(new EdgeRuntime.Time(time.clock(), time, time))) {
      lifecycle.within(
          "test-pass",
          Duration.ZERO,
          Duration.ofSeconds(5),
          () -> {
            starts.add(time.nanos());
            try {
              finish.tryAcquire(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      Waits.until("the first run started", () -> starts.size() == 1);
      time.advance(Duration.ofMillis(300)); // the run's own time
      finish.release();
      Waits.until("the next run is scheduled", () -> time.pending() == 1);

      time.advance(Duration.ofMillis(4_399)); // 4.699 s after the first start
      assertThat(time.pending()).as("not due yet").isEqualTo(1);
      time.advance(Duration.ofMillis(1));
      Waits.until("the second run started", () -> starts.size() == 2);
      assertThat(starts.get(1) - starts.get(0)).isEqualTo(Duration.ofMillis(4_700).toNanos());
      finish.release();
    }
  }
}
