package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The access line's fields, formats and rate cap (issue 19). */
class AccessLogTest {

  private static AccessLog.Entry entry(String idempotencyKey) {
    return new AccessLog.Entry(
        "2026-12-07T15:00:00Z",
        "127.0.0.1",
        "POST",
        "/v1/customers",
        200,
        12.3456,
        "bypass",
        "normal",
        11.5,
        1,
        "req_abc",
        AccessLog.clientValue(idempotencyKey));
  }

  @Test
  void textIsNginxLikeAndJsonIsOneObject() {
    assertThat(entry("key-1").text())
        .isEqualTo(
            "2026-12-07T15:00:00Z 127.0.0.1 \"POST /v1/customers\" 200 12.346ms cache=bypass"
                + " lane=normal upstream_ms=11.500 attempts=1 request_id=req_abc"
                + " idempotency_key=key-1");
    assertThat(entry("key-1").json())
        .isEqualTo(
            "{\"time\":\"2026-12-07T15:00:00Z\",\"remote\":\"127.0.0.1\",\"method\":\"POST\","
                + "\"route\":\"/v1/customers\",\"status\":200,\"ms\":12.346,\"cache\":\"bypass\","
                + "\"lane\":\"normal\",\"upstream_ms\":11.5,\"attempts\":1,"
                + "\"request_id\":\"req_abc\",\"idempotency_key\":\"key-1\"}");
  }

  @Test
  void clientValuesAreCutToASafeAlphabetAndRedacted() {
    assertThat(AccessLog.clientValue("a\"b\nc d")).isEqualTo("a?b?c?d");
    assertThat(AccessLog.clientValue("x".repeat(500))).hasSize(64);
    assertThat(AccessLog.clientValue("sk_live_0123456789abcdefghijklmn")).doesNotContain("0123");
    assertThat(AccessLog.clientValue(" ")).isNull();
  }

  @Test
  void cacheOutcomeAttemptsAndUpstreamTimeComeFromTheHeaders() {
    EdgeResponse response =
        new EdgeResponse(
            200,
            Map.of(
                "Cache-Status", List.of("stripe-edge; fwd=miss; fwd-status=200; stored"),
                "Server-Timing",
                    List.of(
                        "cache;dur=0.010, queue;dur=0.000, upstream;dur=41.250,"
                            + " retries;desc=\"2\"")),
            new byte[0]);
    assertThat(AccessLog.cacheOutcome(response.header("cache-status"))).isEqualTo("miss");
    assertThat(AccessLog.attempts(response)).isEqualTo(3);
    assertThat(AccessLog.timing(response.header("server-timing"), "upstream")).isEqualTo(41.25);
    assertThat(AccessLog.cacheOutcome("stripe-edge; hit")).isEqualTo("hit");
    assertThat(AccessLog.cacheOutcome("stripe-edge; hit; detail=sqlite")).isEqualTo("tier");
    assertThat(AccessLog.cacheOutcome("stripe-edge; hit; detail=stale-if-error"))
        .isEqualTo("stale");
    assertThat(AccessLog.cacheOutcome("stripe-edge; fwd=miss; collapsed")).isEqualTo("collapsed");
  }

  @Test
  void theCapDropsLinesBeyondTheRateAndCountsThem() {
    AtomicLong now = new AtomicLong();
    AccessLog.RateCap cap = new AccessLog.RateCap(3, now::get);

    assertThat(cap.take()).isZero();
    assertThat(cap.take()).isZero();
    assertThat(cap.take()).isZero();
    assertThat(cap.take()).isEqualTo(-1);
    assertThat(cap.take()).isEqualTo(-1);
    now.addAndGet(1_000_000_000L);
    // The first line after the flood says how many were dropped.
    assertThat(cap.take()).isEqualTo(2);
    assertThat(cap.take()).isZero();
  }

  @Test
  void aSustainedFloodReportsItsDropsOncePerSecondNotWithEveryLine() {
    AtomicLong now = new AtomicLong();
    AccessLog.RateCap cap = new AccessLog.RateCap(1_000, now::get);
    List<Long> reports = new ArrayList<>();
    long written = 0;
    // 10 requests per ms for 3 s: 30,000 requests against 1,000 lines a second.
    for (int ms = 0; ms < 3_000; ms++) {
      for (int i = 0; i < 10; i++) {
        long taken = cap.take();
        if (taken >= 0) {
          written++;
        }
        if (taken > 0) {
          reports.add(taken);
        }
      }
      now.addAndGet(1_000_000L);
    }

    assertThat(written).isBetween(3_900L, 4_100L); // the first second's burst, then 1,000/s
    assertThat(reports).hasSizeBetween(2, 3);
    assertThat(reports.stream().mapToLong(Long::longValue).sum() + written)
        .isLessThanOrEqualTo(30_000);
  }
}
