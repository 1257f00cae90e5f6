package dev.stripeedge.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * RFC 9111 §5.1: an answer from a cache carries {@code Age}, the whole seconds since it was
 * fetched; an answer fetched for the request carries none.
 */
class AgeHeaderTest {

  private static final long SECOND = 1_000_000_000L;

  private final long[] now = {0};
  private boolean upstreamDown;

  private final Upstream upstream =
      (request, timeout) ->
          upstreamDown
              ? CompletableFuture.failedFuture(
                  new UpstreamException(UpstreamException.Kind.CONNECT, "connection refused", null))
              : CompletableFuture.completedFuture(
                  new EdgeResponse(
                      200,
                      Map.of("content-type", List.of("application/json")),
                      "{\"id\":\"cus_age\",\"object\":\"customer\"}".getBytes(UTF_8)));

  private final EdgePipeline edge =
      EdgePipeline.builder(upstream)
          .cacheConfig(CacheConfig.defaults())
          .retryConfig(RetryConfig.defaults().withMaxAttempts(1))
          .ticker(() -> now[0])
          .build();

  private EdgeResponse get() {
    return edge.handle(
            new EdgeRequest(
                "GET",
                "/v1/customers/cus_age",
                "",
                Map.of("Authorization", List.of("Bearer sk_test_age")),
                new byte[0]))
        .orTimeout(10, TimeUnit.SECONDS)
        .join();
  }

  @Test
  void aMissHasNoAgeAndAHitCountsWholeSecondsSinceTheFetch() {
    assertThat(get().header("age")).isNull();

    now[0] += 7 * SECOND + SECOND / 2;
    EdgeResponse hit = get();

    assertThat(hit.header("cache-status")).contains("hit");
    assertThat(hit.header("age")).isEqualTo("7");
    now[0] += 20 * SECOND;
    assertThat(get().header("age")).isEqualTo("27");
  }

  @Test
  void aStaleAnswerServedOnErrorCarriesItsAge() {
    get();
    upstreamDown = true;
    // customers live 60 s; past that (within stale-if-error) a failed refetch serves the copy.
    now[0] += 90 * SECOND;

    EdgeResponse stale = get();

    assertThat(stale.status()).isEqualTo(200);
    assertThat(stale.header("cache-status")).contains("stale");
    assertThat(stale.header("age")).isEqualTo("90");
  }
}
