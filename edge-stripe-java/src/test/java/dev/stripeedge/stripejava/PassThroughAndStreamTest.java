package dev.stripeedge.stripejava;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.net.ApiMode;
import com.stripe.net.ApiResource.RequestMethod;
import com.stripe.net.HttpClient;
import com.stripe.net.HttpHeaders;
import com.stripe.net.RequestOptions;
import com.stripe.net.StripeRequest;
import com.stripe.net.StripeResponse;
import com.stripe.net.StripeResponseStream;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.UpstreamException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Which requests reach the pipeline, and streaming over its buffered answers. */
class PassThroughAndStreamTest {

  private static final RequestOptions OPTIONS =
      RequestOptions.builder().setApiKey("sk_test_stream").build();

  private final List<EdgeRequest> seenByPipeline = new ArrayList<>();
  private final List<StripeRequest> seenByPassThrough = new ArrayList<>();

  /** Answers every request with a fixed body; enough to see what reached it. */
  private final EdgePipeline pipeline =
      EdgePipeline.builder(
              (request, timeout) -> {
                seenByPipeline.add(request);
                return CompletableFuture.completedFuture(
                    new EdgeResponse(
                        200,
                        Map.of("content-type", List.of("application/pdf")),
                        new byte[] {'%', 'P', 'D', 'F', (byte) 0xe2}));
              })
          .build();

  private final HttpClient passThrough =
      new HttpClient() {
        @Override
        public StripeResponse request(StripeRequest request) {
          throw new AssertionError("the SDK streams quote PDFs");
        }

        @Override
        public StripeResponseStream requestStream(StripeRequest request) {
          seenByPassThrough.add(request);
          return new StripeResponseStream(
              200, HttpHeaders.of(Map.of()), new ByteArrayInputStream("files".getBytes(US_ASCII)));
        }
      };

  private final EdgeStripeHttpClient adapter = new EdgeStripeHttpClient(pipeline, passThrough);

  private static StripeRequest get(String url) throws Exception {
    return StripeRequest.create(RequestMethod.GET, url, null, OPTIONS, ApiMode.V1);
  }

  @Test
  void filesHostRequestsPassThroughUntouched() throws Exception {
    StripeClient client =
        StripeClient.builder().setHttpClient(adapter).setApiKey("sk_test_stream").build();

    try (InputStream pdf = client.v1().quotes().pdf("qt_1")) {
      assertThat(pdf.readAllBytes()).containsExactly('f', 'i', 'l', 'e', 's');
    }
    assertThat(seenByPassThrough)
        .singleElement()
        .satisfies(
            r -> assertThat(r.url()).hasToString("https://files.stripe.com/v1/quotes/qt_1/pdf"));
    assertThat(seenByPipeline).isEmpty();
  }

  @Test
  void aStreamFromTheApiHostReadsThePipelinesBytesUnchanged() throws Exception {
    StripeResponseStream stream =
        adapter.requestStreamWithRetries(get("https://api.stripe.com/v1/quotes/qt_1/pdf"));

    try (InputStream body = stream.body()) {
      assertThat(body.readAllBytes()).containsExactly('%', 'P', 'D', 'F', (byte) 0xe2);
    }
    assertThat(stream.code()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type")).hasValue("application/pdf");
    assertThat(seenByPipeline)
        .singleElement()
        .satisfies(r -> assertThat(r.path()).isEqualTo("/v1/quotes/qt_1/pdf"));
    assertThat(seenByPassThrough).isEmpty();
  }

  @Test
  void theSdksUserAgentGoesUp() throws Exception {
    adapter.request(get("https://api.stripe.com/v1/customers/cus_1"));

    assertThat(seenByPipeline.get(0).header("user-agent")).startsWith("Stripe/v1 JavaBindings/");
    assertThat(seenByPipeline.get(0).header("x-stripe-client-user-agent"))
        .contains("\"lang\":\"Java\"");
  }

  @Test
  void aStreamWithoutAnUpstreamAnswerIsApiConnectionException() {
    EdgePipeline failing =
        EdgePipeline.builder(
                (request, timeout) ->
                    CompletableFuture.failedFuture(
                        new UpstreamException(UpstreamException.Kind.RESET, "reset", null)))
            .scheduler(delay -> CompletableFuture.completedFuture(null))
            .build();
    EdgeStripeHttpClient broken = new EdgeStripeHttpClient(failing, passThrough);

    assertThatThrownBy(
            () -> broken.requestStreamWithRetries(get("https://api.stripe.com/v1/quotes/q/pdf")))
        .isInstanceOf(ApiConnectionException.class)
        .hasMessageContaining("HTTP 502");
  }
}
