package dev.stripeedge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FakeTimeTest {

  private final FakeTime time = new FakeTime(Instant.parse("2026-12-07T12:00:00Z"));

  @Test
  void theTickerAndTheWallClockMoveTogetherAndOnlyWhenAdvanced() {
    long before = time.nanos();

    time.advance(Duration.ofMillis(1_500));

    assertThat(time.nanos() - before).isEqualTo(1_500_000_000L);
    assertThat(time.clock().instant()).isEqualTo(Instant.parse("2026-12-07T12:00:01.500Z"));
    assertThat(time.clock().millis()).isEqualTo(time.instant().toEpochMilli());
    assertThat(time.epochMicros()).isEqualTo(time.instant().toEpochMilli() * 1_000);
  }

  @Test
  void timersCompleteInDueOrderEachAtItsOwnInstant() {
    List<String> seen = new ArrayList<>();
    long start = time.nanos();
    time.after(Duration.ofSeconds(2)).thenRun(() -> seen.add("2s@" + (time.nanos() - start)));
    time.after(Duration.ofSeconds(1)).thenRun(() -> seen.add("1s@" + (time.nanos() - start)));
    time.after(Duration.ofSeconds(1)).thenRun(() -> seen.add("1s-second"));
    CompletableFuture<Void> later = time.after(Duration.ofSeconds(5));

    time.advance(Duration.ofSeconds(3));

    assertThat(seen).containsExactly("1s@1000000000", "1s-second", "2s@2000000000");
    assertThat(later).isNotDone();
    assertThat(time.pending()).isEqualTo(1);
    assertThat(time.nanos() - start).isEqualTo(3_000_000_000L);
  }

  @Test
  void aTimerScheduledByATimerRunsInTheSameAdvanceWhenDue() {
    List<String> seen = new ArrayList<>();
    time.after(Duration.ofSeconds(1))
        .thenRun(() -> time.after(Duration.ofSeconds(1)).thenRun(() -> seen.add("chained")));

    time.advance(Duration.ofSeconds(2));

    assertThat(seen).containsExactly("chained");
  }

  @Test
  void aDelayOfZeroIsDoneAtOnce() {
    assertThat(time.after(Duration.ZERO)).isDone();
    assertThat(time.after(Duration.ofSeconds(-1))).isDone();
  }

  @Test
  void advancingInStepsRunsEachStepsTimers() {
    List<Long> at = new ArrayList<>();
    long start = time.nanos();
    time.after(Duration.ofMillis(250)).thenRun(() -> at.add(time.nanos() - start));

    time.advance(Duration.ofSeconds(1), Duration.ofMillis(100));

    assertThat(at).containsExactly(250_000_000L);
    assertThat(time.nanos() - start).isEqualTo(1_000_000_000L);
  }

  @Test
  void timeNeverMovesBack() {
    assertThatThrownBy(() -> time.advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-1S");
  }

  @Test
  void cancelledTimersAreGone() {
    CompletableFuture<Void> timer = time.after(Duration.ofSeconds(1));

    time.cancelPending();

    assertThat(timer).isCancelled();
    assertThat(time.pending()).isZero();
  }
}
