package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A request the JDK client cannot build (a URI {@link URI#create} rejects, a method it refuses) is
 * the client's mistake: a Stripe-shaped 400, never a thrown exception the pipeline answers 502.
 */
class JdkUpstreamTest {

  // Nothing listens here, and nothing should be tried: each request fails before connecting.
  private final JdkUpstream upstream =
      new JdkUpstream(URI.create("http://127.0.0.1:9"), Duration.ofSeconds(30));

  @ParameterizedTest
  @CsvSource({
    "GET, /v1/customers/cus_[1], ''",
    "GET, /v1/customers/a]b, ''",
    "GET, /v1/customers, a b",
    "GET, /v1/customers/a|b, ''",
    "CONNECT, /v1/customers, ''",
  })
  void aRequestTheClientCannotBuildIsAStripeShaped400(String method, String path, String query)
      throws Exception {
    CompletableFuture<EdgeResponse> sent =
        upstream.send(EdgeRequest.of(method, path, query), Duration.ofSeconds(30));

    EdgeResponse response = sent.get(60, TimeUnit.SECONDS);
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.bodyText())
        .startsWith("{\"error\":{")
        .contains("\"type\":\"invalid_request_error\"")
        .doesNotContain("Exception");
    assertThat(response.header("content-type")).startsWith("application/json");
  }
}
