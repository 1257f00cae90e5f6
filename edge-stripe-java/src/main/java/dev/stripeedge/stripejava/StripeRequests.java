package dev.stripeedge.stripejava;

import com.stripe.net.HttpContent;
import com.stripe.net.StripeRequest;
import dev.stripeedge.core.EdgeRequest;
import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates a stripe-java {@link StripeRequest} into the edge's {@link EdgeRequest}. Stateless.
 *
 * <p>Only the path and query of the URL are kept: where the request goes is the pipeline's upstream
 * to decide, not the SDK's API base.
 */
final class StripeRequests {

  private StripeRequests() {}

  /**
   * The edge request for {@code request}, with the SDK's headers ({@code Authorization}, {@code
   * Stripe-Account}, {@code Stripe-Version}, {@code Idempotency-Key}, telemetry…), the given
   * user-agent headers, and the body with its content type.
   */
  static EdgeRequest toEdge(StripeRequest request, Map<String, List<String>> userAgent) {
    Map<String, List<String>> headers = new HashMap<>(request.headers().map());
    headers.putAll(userAgent);
    HttpContent content = request.content();
    byte[] body = new byte[0];
    if (content != null) {
      headers.put("Content-Type", List.of(content.contentType()));
      body = content.byteArrayContent();
    }
    URL url = request.url();
    // URL keeps path and query as given (still percent-encoded), which is what goes upstream.
    String path = url.getPath();
    String query = url.getQuery();
    return new EdgeRequest(
        request.method().name(),
        path == null || path.isEmpty() ? "/" : path,
        query == null ? "" : query,
        headers,
        body);
  }

  /** Whether {@code request} is for one of {@code bases} (scheme, host and port compared). */
  static boolean isFor(StripeRequest request, List<URL> bases) {
    URL url = request.url();
    for (URL base : bases) {
      if (base.getProtocol().equalsIgnoreCase(url.getProtocol())
          && base.getHost().equalsIgnoreCase(url.getHost())
          && port(base) == port(url)) {
        return true;
      }
    }
    return false;
  }

  private static int port(URL url) {
    return url.getPort() == -1 ? url.getDefaultPort() : url.getPort();
  }
}
