package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.internal.EventCopyRule.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventCopyRuleTest {

  private static final byte[] CUSTOMER =
      "{\"id\":\"cus_1\",\"object\":\"customer\"}".getBytes(StandardCharsets.UTF_8);

  // 2026-12-07T12:00:00Z
  private static final long SECOND = 1_796_644_800L;

  private static ObjectChange change(long second) {
    return new ObjectChange("cus_1", second, "2026-07-29.dahlia", CUSTOMER);
  }

  private static EdgeResponse response(String date) {
    Map<String, List<String>> headers = new HashMap<>();
    if (!date.isEmpty()) {
      headers.put("date", List.of(date));
    }
    return new EdgeResponse(200, headers, CUSTOMER);
  }

  @ParameterizedTest(name = "copy of {0} vs event {1}, follows tie {2}: {3}")
  @CsvSource({
    "99,  100, false, COPY",
    "100, 100, true,  COPY",
    "100, 100, false, DROP",
    "101, 100, true,  DROP",
  })
  void anEventsCopyIsJudgedByItsEventSecond(
      long copied, long event, boolean followsTie, Verdict expected) {
    Set<String> ids = Set.of("cus_1", new EventCopyRule.Mark(copied).key());

    assertThat(EventCopyRule.verdict(ids, response(""), change(event), 0, followsTie))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "dated {0} vs event +{1}: {2}")
  @CsvSource({
    "'Mon, 07 Dec 2026 12:00:00 GMT', 0,  COPY",
    "'Mon, 07 Dec 2026 12:00:00 GMT', 1,  COPY",
    "'Mon, 07 Dec 2026 12:00:01 GMT', 0,  KEEP",
  })
  void stripesAnswerIsJudgedByItsDate(String date, long eventAfter, Verdict expected) {
    // Our own clock would say the opposite: the date wins.
    long storedAtMillis = (SECOND + 100) * 1000;

    assertThat(
            EventCopyRule.verdict(
                Set.of("cus_1"),
                response(date),
                change(SECOND + eventAfter),
                storedAtMillis,
                false))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "stored at +{0} ms, date {1}: {2}")
  @CsvSource({
    "-501, '',          COPY",
    "-500, '',          DROP",
    "0,    '',          DROP",
    "-501, 'yesterday', COPY",
    "2000, 'yesterday', DROP",
  })
  void withoutADateOurClockJudgesWithATolerance(long storedAfter, String date, Verdict expected) {
    long storedAtMillis = SECOND * 1000 + storedAfter;

    assertThat(
            EventCopyRule.verdict(
                Set.of("cus_1"), response(date), change(SECOND), storedAtMillis, false))
        .isEqualTo(expected);
  }

  @Test
  void aMarkIsFoundAmongTheIds() {
    assertThat(EventCopyRule.Mark.in(Set.of("cus_1", "changed-at:42")))
        .isEqualTo(new EventCopyRule.Mark(42));
    assertThat(EventCopyRule.Mark.in(Set.of("cus_1", "retrieve:cus_1"))).isNull();
  }

  @Test
  void onlyAnEntryOfTheSameAccountAndTypeMayBeReplaced() {
    CacheKeys keys = CacheKeys.hmac(new byte[32]);
    CacheKey platform = keys.keyFor(retrieve(Map.of()));
    CacheKey connected = keys.keyFor(retrieve(Map.of("Stripe-Account", List.of("acct_1"))));

    assertThat(EventCopyRule.sameSubject(platform, CUSTOMER, null, "customer")).isTrue();
    assertThat(EventCopyRule.sameSubject(platform, CUSTOMER, "acct_1", "customer")).isFalse();
    assertThat(EventCopyRule.sameSubject(connected, CUSTOMER, "acct_1", "customer")).isTrue();
    assertThat(EventCopyRule.sameSubject(connected, CUSTOMER, null, "customer")).isFalse();
    assertThat(EventCopyRule.sameSubject(platform, CUSTOMER, null, "charge")).isFalse();
    assertThat(EventCopyRule.sameSubject(platform, CUSTOMER, null, null)).isFalse();
  }

  private static EdgeRequest retrieve(Map<String, List<String>> extra) {
    Map<String, List<String>> headers = new HashMap<>(extra);
    headers.put("Authorization", List.of("Bearer sk_test_1"));
    return new EdgeRequest("GET", "/v1/customers/cus_1", "", headers, new byte[0]);
  }

  @ParameterizedTest(name = "route ttl {0} s, swr {1} s: copy fresh {2} s, then revalidating {3} s")
  @CsvSource({
    // Fresh for the copy's 5 s, then answered while Stripe confirms it, within the route's TTL.
    "60, 0,  5, 5",
    "8,  0,  5, 3",
    "5,  0,  5, 0",
    "3,  0,  3, 0",
    // A route's own window, when longer, is kept.
    "60, 30, 5, 30",
  })
  void aCopyIsFreshForSecondsThenRevalidatesInTheBackgroundWithinTheRoutesTtl(
      long ttl, long swr, long fresh, long revalidating) {
    CacheDecision.Cacheable route =
        new CacheDecision.Cacheable(
            Duration.ofSeconds(ttl), Duration.ofSeconds(swr), Duration.ofMinutes(5));

    CacheDecision.Cacheable copy = EventRefresh.copyRule(route);

    assertThat(copy.ttl()).isEqualTo(Duration.ofSeconds(fresh));
    assertThat(copy.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(revalidating));
    assertThat(copy.staleIfError()).isEqualTo(route.staleIfError());
  }
}
