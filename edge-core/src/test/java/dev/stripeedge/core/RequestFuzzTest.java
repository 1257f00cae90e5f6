package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stripeedge.core.budget.LaneRule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes what the edge does with a request head from outside, before any upstream work: building
 * the {@link EdgeRequest}, classifying its path ({@link StripeRoutes}), the cache rule and key, the
 * lane and the deadline. Input: a method line, a request-target line ({@code path?query}), then
 * {@code Name: value} header lines, decoded as UTF-8 the way a server hands them over.
 *
 * <p>Runs its seeds ({@code RequestFuzzTestInputs/}) as a regression test; {@code JAZZER_FUZZ=1}
 * fuzzes (docs/edge.md, "Fuzz tests").
 */
class RequestFuzzTest {

  private static final CacheRule CACHE_RULE = CacheRule.stripe(CacheConfig.defaults());
  private static final CacheKeys KEYS = CacheKeys.hmac(new byte[32]);
  private static final LaneRule LANES = LaneRule.stripe();
  private static final RetryConfig RETRY = RetryConfig.defaults();

  @FuzzTest(maxDuration = "30s")
  void requestHead(byte[] data) {
    String[] lines = new String(data, StandardCharsets.UTF_8).split("\n", -1);
    String method = lines[0];
    String target = lines.length > 1 ? lines[1] : "/";
    int question = target.indexOf('?');
    String path = question < 0 ? target : target.substring(0, question);
    String query = question < 0 ? "" : target.substring(question + 1);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 2; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.add(Map.entry(lines[i].substring(0, colon), lines[i].substring(colon + 1).strip()));
      }
    }

    EdgeRequest request;
    try {
      request = EdgeRequest.fromHeaderPairs(method, path, query, headers, new byte[0]);
    } catch (IllegalArgumentException e) {
      // The one refusal: a path not starting with '/', which no server hands over.
      assertThat(path).doesNotStartWith("/");
      return;
    }

    Route route = StripeRoutes.classify(request.path());
    assertThat(route.template().length()).isLessThanOrEqualTo(request.path().length() + 16);
    if (route.kind() != Route.Kind.UNKNOWN) {
      assertTemplateFits(route, path);
    }
    CacheDecision decision = CACHE_RULE.decide(request, route);
    if (!request.method().equals("GET")) {
      assertThat(decision).isInstanceOf(CacheDecision.Bypass.class);
    }
    String key = KEYS.keyFor(request).value();
    assertThat(key).startsWith(request.method() + " " + request.path());
    LANES.decide(request, route);
    Duration deadline = RETRY.deadlineFor(request);
    assertThat(deadline).isPositive().isLessThanOrEqualTo(RETRY.deadline());
    // What logs print of a request is its method, path and size: never a header, so never the key.
    assertThat(request.toString())
        .isEqualTo(
            "EdgeRequest["
                + request.method()
                + " "
                + request.pathAndQuery()
                + ", "
                + request.body().length
                + " bytes]");
  }

  /**
   * The template is the path with its ids replaced, segment by segment: a round trip, so no path
   * takes another route's template.
   */
  private static void assertTemplateFits(Route route, String path) {
    List<String> template = segments(route.template());
    List<String> sent = segments(path);
    assertThat(template).as("template %s of %s", route.template(), path).hasSameSizeAs(sent);
    for (int i = 0; i < sent.size(); i++) {
      if (!template.get(i).equals(sent.get(i))) {
        assertThat(template.get(i)).isIn("{id}", "{id2}");
        assertThat(route.pathIds()).contains(sent.get(i));
      }
    }
  }

  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) {
        segments.add(segment);
      }
    }
    return segments;
  }
}
