package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class L0CacheTest {

  private static final CacheDecision.Cacheable MINUTE =
      new CacheDecision.Cacheable(Duration.ofMinutes(1), Duration.ZERO, Duration.ofMinutes(5));

  private final long[] now = {0};
  private final L0Cache cache = new L0Cache(1 << 20, () -> now[0]);

  private static EdgeResponse json(String body) {
    return new EdgeResponse(200, Map.of(), body.getBytes(StandardCharsets.UTF_8));
  }

  private boolean fill(String key, String body) {
    return cache.fill(cache.beginFill(), new CacheKey(key), json(body), Set.of(), MINUTE);
  }

  @Test
  void idsAreFoundAtAnyDepth() {
    assertThat(
            ObjectIds.scan(
                "{\"id\":\"price_1\",\"product\":{\"id\":\"gold\",\"x\":[{\"id\":\"txr_1\"}]},\"customer\":\"cus_1\"}"
                    .getBytes(StandardCharsets.UTF_8)))
        .containsExactly("price_1", "gold", "txr_1");
  }

  @Test
  void invalidatingANestedIdDropsTheEntry() {
    fill("price", "{\"id\":\"price_1\",\"product\":{\"id\":\"prod_1\"}}");
    fill("other", "{\"id\":\"price_2\",\"product\":\"prod_1\"}");

    cache.invalidate("prod_1");

    assertThat(cache.get(new CacheKey("price"))).isNull();
    assertThat(cache.get(new CacheKey("other"))).isNotNull();
  }

  @Test
  void aFillStartedBeforeAnInvalidationIsRefused() {
    L0Cache.FillToken token = cache.beginFill();
    cache.invalidate("cus_1");

    boolean stored =
        cache.fill(token, new CacheKey("k"), json("{\"id\":\"cus_1\"}"), Set.of(), MINUTE);

    assertThat(stored).isFalse();
    assertThat(cache.get(new CacheKey("k"))).isNull();
  }

  @Test
  void aWatchedIdRefusesTheFillEvenWhenTheBodyLacksIt() {
    L0Cache.FillToken token = cache.beginFill();
    cache.invalidate("cus_1");

    assertThat(cache.fill(token, new CacheKey("k"), json("{}"), Set.of("cus_1"), MINUTE)).isFalse();
  }

  @Test
  void anInvalidationOfAnotherObjectDoesNotRefuseTheFill() {
    L0Cache.FillToken token = cache.beginFill();
    cache.invalidate("cus_2");

    assertThat(cache.fill(token, new CacheKey("k"), json("{\"id\":\"cus_1\"}"), Set.of(), MINUTE))
        .isTrue();
  }

  @Test
  void anEntryBeingReplacedStaysUntilItsReplacementIsInWhileTheRestGoes() {
    fill("retrieve", "{\"id\":\"cus_1\",\"name\":\"old\"}");
    fill("list", "{\"data\":[{\"id\":\"cus_1\"}]}");
    L0Cache.FillToken before = cache.beginFill();
    L0Cache.Entry held = java.util.Objects.requireNonNull(cache.get(new CacheKey("retrieve")));

    cache.invalidate("cus_1", List.of(held));

    // A read in between answers the old entry, not a miss; a fill from before is still refused.
    assertThat(cache.get(new CacheKey("retrieve"))).isSameAs(held);
    assertThat(cache.get(new CacheKey("list"))).isNull();
    assertThat(
            cache.fill(
                before, new CacheKey("retrieve"), json("{\"id\":\"cus_1\"}"), Set.of(), MINUTE))
        .isFalse();
    // The replacement takes its place, and the old one no longer answers for the id.
    assertThat(
            cache.fill(
                cache.beginFill(),
                new CacheKey("retrieve"),
                json("{\"id\":\"cus_1\",\"name\":\"new\"}"),
                Set.of(),
                MINUTE))
        .isTrue();
    assertThat(cache.get(new CacheKey("retrieve")).response().bodyText()).contains("new");
    assertThat(cache.holding("cus_1")).hasSize(1);
  }

  @Test
  void aNewerEntryStoredUnderTheSameKeyMeanwhileIsDroppedAsUsual() {
    fill("retrieve", "{\"id\":\"cus_1\",\"name\":\"judged\"}");
    L0Cache.Entry judged = java.util.Objects.requireNonNull(cache.get(new CacheKey("retrieve")));
    fill("retrieve", "{\"id\":\"cus_1\",\"name\":\"stored since\"}");

    cache.invalidate("cus_1", List.of(judged));

    assertThat(cache.get(new CacheKey("retrieve"))).isNull();
  }

  @Test
  void anEntryThatCouldNotBeReplacedIsDiscarded() {
    fill("retrieve", "{\"id\":\"cus_1\"}");
    L0Cache.Entry held = java.util.Objects.requireNonNull(cache.get(new CacheKey("retrieve")));
    cache.invalidate("cus_1", List.of(held));

    cache.discard(held);

    assertThat(cache.get(new CacheKey("retrieve"))).isNull();
    assertThat(cache.holding("cus_1")).isEmpty();
  }

  @Test
  void entriesLeaveAfterTtlPlusTheStaleWindow() {
    fill("k", "{\"id\":\"cus_1\"}");

    now[0] += Duration.ofMinutes(5).toNanos();
    assertThat(cache.get(new CacheKey("k"))).isNotNull();
    now[0] += Duration.ofMinutes(1).plusSeconds(1).toNanos();
    assertThat(cache.get(new CacheKey("k"))).isNull();
  }

  @Test
  void boundedByBytes() {
    L0Cache small = new L0Cache(20_000, () -> now[0]);
    String body = "{\"id\":\"x\",\"pad\":\"" + "a".repeat(1000) + "\"}";
    for (int i = 0; i < 100; i++) {
      small.fill(small.beginFill(), new CacheKey("k" + i), json(body), Set.of(), MINUTE);
    }
    small.cleanUp();

    assertThat(small.bytes()).isLessThanOrEqualTo(20_000).isPositive();
    assertThat(small.size()).isLessThan(100);
  }
}
