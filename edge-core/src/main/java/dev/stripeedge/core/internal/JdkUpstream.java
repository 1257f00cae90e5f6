package dev.stripeedge.core.internal;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.UpstreamException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Upstream#jdk}: one pooled {@link HttpClient} per instance. Thread-safe, non-blocking.
 *
 * <p>Headers the JDK client manages itself ({@code Host}, {@code Content-Length}, {@code
 * Connection}…) are dropped with the other hop-by-hop ones; {@code Accept-Encoding} too, so bodies
 * arrive as identity bytes the cache can replay to any client.
 */
public final class JdkUpstream implements Upstream {

  /** Request headers never forwarded, beyond hop-by-hop: the JDK sets them, or they harm. */
  private static final System.Logger log = System.getLogger(JdkUpstream.class.getName());

  private static final Set<String> NOT_FORWARDED = Set.of("expect", "accept-encoding");

  private final URI baseUri;
  private final HttpClient client;

  public JdkUpstream(URI baseUri, Duration connectTimeout) {
    String scheme = baseUri.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new IllegalArgumentException("upstream must be an http or https URI: " + baseUri);
    }
    String base = baseUri.toString();
    this.baseUri = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    // HTTP/2 over TLS by ALPN, falling back to 1.1; on cleartext, 1.1, since an h2c upgrade
    // attempt costs a round of headers on every new connection for nothing.
    this.client =
        HttpClient.newBuilder()
            .version(
                scheme.equals("https") ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public CompletableFuture<EdgeResponse> send(EdgeRequest request, Duration timeout) {
    HttpRequest httpRequest;
    try {
      httpRequest = build(request, timeout);
    } catch (IllegalArgumentException e) {
      // A URI, header or method the client cannot send (a '[' in a path, CONNECT): what the caller
      // sent, not an upstream failure, so answered as Stripe answers a malformed request. One line,
      // without the URI (it may carry a secret) or a stack trace.
      log.log(
          System.Logger.Level.DEBUG,
          "refused {0} request the upstream client cannot build: {1}",
          request.method(),
          e.getClass().getSimpleName());
      return CompletableFuture.completedFuture(
          StripeErrors.response(
              400,
              "invalid_request_error",
              "invalid_request",
              "Invalid request: its URL, method or headers cannot be sent to the Stripe API;"
                  + " percent-encode characters RFC 3986 does not allow in a path (such as"
                  + " '[' and ']')."));
    }
    CompletableFuture<HttpResponse<byte[]>> call =
        client.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofByteArray());
    // The request's own timeout ends when the headers arrive; a body that dribbles in after them
    // must not carry the answer past the deadline, so the whole exchange is bounded here too.
    return call.copy()
        .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .handle(
            (response, failure) -> {
              if (failure != null) {
                // Aborts the exchange (a no-op once it is done): its connection must not stay
                // busy reading a body nobody waits for.
                call.cancel(true);
                throw translate(failure, request);
              }
              Map<String, List<String>> headers =
                  HeaderMaps.endToEnd(HeaderMaps.normalize(response.headers().map()));
              return new EdgeResponse(response.statusCode(), headers, response.body());
            });
  }

  /**
   * The JDK request for {@code request}.
   *
   * @throws IllegalArgumentException the URI, a header or the method cannot be sent
   */
  private HttpRequest build(EdgeRequest request, Duration timeout) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(baseUri + request.pathAndQuery())).timeout(timeout);
    HeaderMaps.endToEnd(request.headers())
        .forEach(
            (name, values) -> {
              if (!NOT_FORWARDED.contains(name)) {
                values.forEach(value -> builder.header(name, value));
              }
            });
    HttpRequest.BodyPublisher body =
        request.body().length == 0
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(request.body());
    builder.method(request.method(), body);
    return builder.build();
  }

  private static RuntimeException translate(Throwable failure, EdgeRequest request) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    String what = request.method() + " " + request.path();
    if (cause instanceof HttpConnectTimeoutException
        || cause instanceof ConnectException
        || cause instanceof UnresolvedAddressException) {
      return new UpstreamException(
          UpstreamException.Kind.CONNECT, "could not connect upstream for " + what, cause);
    }
    if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
      return new UpstreamException(
          UpstreamException.Kind.TIMEOUT, "upstream did not answer in time for " + what, cause);
    }
    if (cause instanceof IOException) {
      return new UpstreamException(
          UpstreamException.Kind.RESET, "upstream connection broke for " + what, cause);
    }
    return cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
  }
}
