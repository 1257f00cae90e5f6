package dev.stripeedge.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WaitsTest {

  @Test
  void returnsOnceTheConditionHolds() {
    AtomicInteger polls = new AtomicInteger();

    Waits.until("the third poll", () -> polls.incrementAndGet() >= 3);
  }

  @Test
  void namesWhatNeverHappened() {
    assertThatThrownBy(() -> Waits.until("a miracle", Duration.ofMillis(30), () -> false))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("a miracle");
  }

  @Test
  void aConditionThatThrowsFailsAtOnce() {
    assertThatThrownBy(
            () ->
                Waits.until(
                    "a read",
                    () -> {
                      throw new IOException("connection refused");
                    }))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("connection refused");
  }
}
