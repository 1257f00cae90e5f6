package dev.stripeedge.stripejava;

import com.stripe.Stripe;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.StripeException;
import com.stripe.net.HttpClient;
import com.stripe.net.HttpURLConnectionClient;
import com.stripe.net.StripeRequest;
import com.stripe.net.StripeResponse;
import com.stripe.net.StripeResponseStream;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import java.io.ByteArrayInputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * A stripe-java {@link HttpClient} that sends every API request through an {@link EdgePipeline}, so
 * the application gets the edge's cache, coalescing, retries and idempotency keys in-process.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li><b>One retry owner: the pipeline.</b> {@link #requestWithRetries} and {@link
 *       #requestStreamWithRetries} make exactly one call to the pipeline, whatever {@code
 *       maxNetworkRetries} the SDK is given; the pipeline retries under its {@code RetryRule}
 *       (backoff, attempt cap, total deadline) with the idempotency key fixed before attempt 1.
 *       Letting the SDK retry as well would multiply attempts (3 × 3) and add its own 0.5–5 s
 *       sleeps outside the pipeline's deadline. The SDK's connect and read timeouts are likewise
 *       ignored for these requests: the pipeline's attempt timeout and deadline bound them.
 *   <li><b>Errors.</b> Every HTTP answer, error statuses included, is returned for the SDK to map
 *       as usual; when upstream gave no answer (connection refused, reset, deadline passed) the
 *       call throws {@link ApiConnectionException}, as stripe-java's own client would.
 *   <li><b>Other Stripe hosts pass through.</b> Requests for {@code files.stripe.com}, {@code
 *       connect.stripe.com} and {@code meter-events.stripe.com} (uploads, OAuth, meter events) are
 *       not for the pipeline's upstream: they go unchanged to a pass-through client (by default
 *       stripe-java's {@link HttpURLConnectionClient}, under the SDK's own retry setting, 0 by
 *       default). Everything else, whatever the SDK's API base, goes to the pipeline.
 *   <li><b>Streaming.</b> {@link #requestStream} works: the pipeline buffers the answer and the
 *       stream reads from memory (API responses are small; large downloads come from {@code
 *       files.stripe.com}, which passes through and streams for real).
 * </ul>
 *
 * <p>Thread-safe; one instance serves any number of {@code StripeClient}s and API keys. Calls block
 * the calling thread until the pipeline answers (cheaply on a virtual thread).
 */
public final class EdgeStripeHttpClient extends HttpClient {

  /** Stripe hosts that are not the API; their requests pass through. */
  static final List<URL> PASS_THROUGH_BASES =
      List.of(
          url(Stripe.UPLOAD_API_BASE),
          url(Stripe.CONNECT_API_BASE),
          url(Stripe.METER_EVENTS_API_BASE));

  private final EdgePipeline pipeline;
  private final HttpClient passThrough;

  /** An adapter over {@code pipeline}; other Stripe hosts go through stripe-java's own client. */
  public EdgeStripeHttpClient(EdgePipeline pipeline) {
    this(pipeline, new HttpURLConnectionClient());
  }

  /** An adapter over {@code pipeline}; other Stripe hosts go through {@code passThrough}. */
  public EdgeStripeHttpClient(EdgePipeline pipeline, HttpClient passThrough) {
    this.pipeline = pipeline;
    this.passThrough = passThrough;
  }

  @Override
  public StripeResponse request(StripeRequest request) throws StripeException {
    if (StripeRequests.isFor(request, PASS_THROUGH_BASES)) {
      return passThrough.request(request);
    }
    return StripeResponses.toStripe(handle(request));
  }

  @Override
  public StripeResponseStream requestStream(StripeRequest request) throws StripeException {
    if (StripeRequests.isFor(request, PASS_THROUGH_BASES)) {
      return passThrough.requestStream(request);
    }
    EdgeResponse response = handle(request);
    if (StripeResponses.isNoAnswer(response)) {
      StripeResponses.toStripe(response); // throws ApiConnectionException
    }
    return new StripeResponseStream(
        response.status(),
        StripeResponses.headers(response),
        new ByteArrayInputStream(response.body()));
  }

  /** One call to the pipeline: it owns retries. Other hosts keep the SDK's own retry setting. */
  @Override
  public StripeResponse requestWithRetries(StripeRequest request) throws StripeException {
    if (StripeRequests.isFor(request, PASS_THROUGH_BASES)) {
      return passThrough.requestWithRetries(request);
    }
    return request(request);
  }

  /** One call to the pipeline: it owns retries. Other hosts keep the SDK's own retry setting. */
  @Override
  public StripeResponseStream requestStreamWithRetries(StripeRequest request)
      throws StripeException {
    if (StripeRequests.isFor(request, PASS_THROUGH_BASES)) {
      return passThrough.requestStreamWithRetries(request);
    }
    return requestStream(request);
  }

  private EdgeResponse handle(StripeRequest request) throws ApiConnectionException {
    EdgeRequest edge = StripeRequests.toEdge(request, userAgent(request));
    try {
      // The pipeline never fails its future and bounds it by its deadline; no second timeout.
      return pipeline.handle(edge).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiConnectionException(
          "stripe-edge: interrupted while waiting for " + edge.method() + " " + edge.path(), e);
    } catch (ExecutionException e) {
      throw new ApiConnectionException(
          "stripe-edge: the pipeline failed " + edge.method() + " " + edge.path(), e.getCause());
    }
  }

  /** {@code User-Agent} and {@code X-Stripe-Client-User-Agent}, as stripe-java's client sends. */
  private static Map<String, List<String>> userAgent(StripeRequest request) {
    return Map.of(
        "User-Agent", List.of(buildUserAgentString(request)),
        "X-Stripe-Client-User-Agent", List.of(buildXStripeClientUserAgentString()));
  }

  private static URL url(String base) {
    try {
      return URI.create(base).toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("not a URL: " + base, e);
    }
  }
}
