package dev.stripeedge.stripejava;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.Stripe;
import com.stripe.net.ApiMode;
import com.stripe.net.ApiResource.RequestMethod;
import com.stripe.net.RequestOptions;
import com.stripe.net.StripeRequest;
import dev.stripeedge.core.EdgeRequest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The translation of stripe-java's requests, without a network. */
class StripeRequestsTest {

  private static final RequestOptions OPTIONS = options().build();

  private static final Map<String, List<String>> AGENT = Map.of("User-Agent", List.of("ua"));

  @Test
  void aGetKeepsPathQueryAndStripesHeaders() throws Exception {
    StripeRequest request =
        StripeRequest.create(
            RequestMethod.GET,
            "https://api.stripe.com/v1/customers/cus_1",
            Map.of("expand", List.of("default_source")),
            OPTIONS,
            ApiMode.V1);

    EdgeRequest edge = StripeRequests.toEdge(request, AGENT);

    assertThat(edge.method()).isEqualTo("GET");
    assertThat(edge.path()).isEqualTo("/v1/customers/cus_1");
    assertThat(edge.rawQuery()).isEqualTo("expand[0]=default_source");
    assertThat(edge.header("authorization")).isEqualTo("Bearer sk_test_translate");
    assertThat(edge.header("stripe-account")).isEqualTo("acct_123");
    assertThat(edge.header("stripe-version")).isEqualTo(Stripe.API_VERSION);
    assertThat(edge.header("user-agent")).isEqualTo("ua");
    assertThat(edge.header("idempotency-key")).isNull();
    assertThat(edge.body()).isEmpty();
  }

  @Test
  void aPostCarriesItsFormBodyContentTypeAndIdempotencyKey() throws Exception {
    StripeRequest request =
        StripeRequest.create(
            RequestMethod.POST,
            "https://api.stripe.com/v1/customers",
            Map.of("name", "Ada Lovelace"),
            options().setIdempotencyKey("idem-1").build(),
            ApiMode.V1);

    EdgeRequest edge = StripeRequests.toEdge(request, AGENT);

    assertThat(edge.method()).isEqualTo("POST");
    assertThat(edge.rawQuery()).isEmpty();
    assertThat(new String(edge.body(), StandardCharsets.UTF_8)).isEqualTo("name=Ada+Lovelace");
    assertThat(edge.header("content-type")).startsWith("application/x-www-form-urlencoded");
    assertThat(edge.header("idempotency-key")).isEqualTo("idem-1");
  }

  @Test
  void onlyTheOtherStripeHostsPassThrough() throws Exception {
    List<URL> bases = EdgeStripeHttpClient.PASS_THROUGH_BASES;

    assertThat(StripeRequests.isFor(get("https://files.stripe.com/v1/files/file_1"), bases))
        .isTrue();
    assertThat(StripeRequests.isFor(get("https://connect.stripe.com:443/oauth/token"), bases))
        .isTrue();
    assertThat(StripeRequests.isFor(get("https://api.stripe.com/v1/files/file_1"), bases))
        .isFalse();
    assertThat(StripeRequests.isFor(get("http://files.stripe.com/v1/files"), bases)).isFalse();
  }

  private static RequestOptions.RequestOptionsBuilder options() {
    return RequestOptions.builder().setApiKey("sk_test_translate").setStripeAccount("acct_123");
  }

  private static StripeRequest get(String url) throws Exception {
    return StripeRequest.create(RequestMethod.GET, url, null, OPTIONS, ApiMode.V1);
  }
}
