package com.stripe.net;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link StripeRequest}s the SDK itself never would. Lives in stripe-java's package because
 * the all-arguments constructor is package-private there; tests only.
 */
public final class StripeRequestsForTests {

  private StripeRequestsForTests() {}

  /**
   * A form POST with exactly {@code headers}: stripe-java always adds an {@code Idempotency-Key} to
   * a POST, so this is the only way to see the edge supply one.
   */
  public static StripeRequest post(String url, String form, Map<String, List<String>> headers)
      throws Exception {
    return new StripeRequest(
        ApiResource.RequestMethod.POST,
        URI.create(url).toURL(),
        HttpContent.buildFormURLEncodedContent(form),
        HttpHeaders.of(headers),
        Map.of(),
        RequestOptions.getDefault(),
        ApiMode.V1);
  }
}
