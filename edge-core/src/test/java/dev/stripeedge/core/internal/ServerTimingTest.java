package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerTimingTest {

  @ParameterizedTest(name = "{0} ns = {1} ms")
  @CsvSource({
    "0, 0.000",
    "999, 0.000",
    "1000, 0.001",
    "12345678, 12.345",
    "1000000000, 1000.000",
    "-5, 0.000"
  })
  void rendersMillisecondsWithThreeDecimals(long nanos, String millis) {
    assertThat(ServerTiming.millis(nanos)).isEqualTo(millis);
  }

  @Test
  void aMemoryHitNamesOnlyTheCache() {
    assertThat(new ServerTiming(1_500_000, null, null).render()).isEqualTo("cache;dur=1.500");
  }

  @Test
  void aTierLookupNamesTheTierThatAnswered() {
    assertThat(new ServerTiming(0, new ServerTiming.TierTiming(2_000_000, "sqlite"), null).render())
        .isEqualTo("cache;dur=0.000, tier;dur=2.000;desc=\"sqlite\"");
    assertThat(new ServerTiming(0, new ServerTiming.TierTiming(2_000_000, null), null).render())
        .isEqualTo("cache;dur=0.000, tier;dur=2.000");
  }

  @Test
  void anExchangeAddsQueueUpstreamAndRetries() {
    Exchange exchange =
        new Exchange(
            new Exchange.Answered(new EdgeResponse(200, Map.of(), new byte[0])),
            3,
            40_000_000,
            5_000_000);

    assertThat(new ServerTiming(0, null, exchange).render())
        .isEqualTo("cache;dur=0.000, queue;dur=5.000, upstream;dur=40.000, retries;desc=\"2\"");
    assertThat(new ServerTiming(0, null, Exchange.failed(new IllegalStateException())).render())
        .endsWith("retries;desc=\"0\"");
  }
}
