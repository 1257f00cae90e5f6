package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CacheStatusTest {

  static Stream<Arguments> statuses() {
    return Stream.of(
        Arguments.of(CacheStatus.MEMORY_HIT, "stripe-edge; hit", "hit"),
        Arguments.of(new CacheStatus.TierHit("redis"), "stripe-edge; hit; detail=redis", "tier"),
        Arguments.of(
            new CacheStatus.Stale(false),
            "stripe-edge; hit; detail=stale-while-revalidate",
            "stale"),
        Arguments.of(
            new CacheStatus.Stale(true), "stripe-edge; hit; detail=stale-if-error", "stale"),
        Arguments.of(new CacheStatus.Miss(null, false, false), "stripe-edge; fwd=miss", "miss"),
        Arguments.of(
            new CacheStatus.Miss(200, true, true),
            "stripe-edge; fwd=miss; fwd-status=200; collapsed; stored",
            "miss"),
        Arguments.of(
            new CacheStatus.Miss(503, false, false),
            "stripe-edge; fwd=miss; fwd-status=503",
            "miss"),
        Arguments.of(new CacheStatus.Bypass(null), "stripe-edge; fwd=bypass", "bypass"),
        Arguments.of(
            new CacheStatus.Bypass("method"), "stripe-edge; fwd=bypass; detail=method", "bypass"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("statuses")
  void rendersRfc9211AndTheMetricTag(CacheStatus status, String rendered, String tag) {
    assertThat(status.render()).isEqualTo(rendered);
    assertThat(status.tag()).isEqualTo(tag);
  }
}
