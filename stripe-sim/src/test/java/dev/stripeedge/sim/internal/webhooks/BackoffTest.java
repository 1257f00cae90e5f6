package dev.stripeedge.sim.internal.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void doublesPerAttemptWithinTenPercentJitter() {
    assertThat(Backoff.delayMillis(1000, 1, 0.0)).isEqualTo(900);
    assertThat(Backoff.delayMillis(1000, 2, 0.5)).isEqualTo(2000);
    assertThat(Backoff.delayMillis(1000, 3, 0.999)).isBetween(4390L, 4400L);
  }

  @Test
  void saturatesInsteadOfOverflowing() {
    assertThat(Backoff.delayMillis(Long.MAX_VALUE / 2, 40, 0.99)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void neverReturnsZero() {
    assertThat(Backoff.delayMillis(0, 1, 0.5)).isEqualTo(1);
  }
}
