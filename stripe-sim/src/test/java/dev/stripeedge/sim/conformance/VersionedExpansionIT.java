package dev.stripeedge.sim.conformance;

import static dev.stripeedge.sim.SimHttp.json;
import static dev.stripeedge.sim.SimHttp.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code expand[]} after the version shape: a request pinned to an old version can expand what its
 * version has (a PaymentIntent's {@code charges}, an invoice's {@code subscription}), the objects
 * an expansion brings in are in that version's shape too, and what no version makes expandable is
 * refused with Stripe's "This property cannot be expanded".
 */
class VersionedExpansionIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String KEY = "sk_test_versioned_expansion";
  private static SimHttp http;
  private static String paymentIntent;
  private static String charge;
  private static String invoice;
  private static String subscription;

  @BeforeAll
  static void objects() {
    http = new SimHttp(sim.baseUrl());
    JsonNode pi = ok(http.confirmedPaymentIntent(KEY, 1500, "pm_card_visa", ""));
    paymentIntent = pi.path("id").asText();
    charge = pi.path("latest_charge").asText();
    String customer = ok(http.post("/v1/customers", KEY, "")).path("id").asText();
    String price =
        ok(http.post(
                "/v1/prices",
                KEY,
                "currency=usd&unit_amount=700&recurring[interval]=month&product_data[name]=V"))
            .path("id")
            .asText();
    JsonNode sub =
        ok(
            http.post(
                "/v1/subscriptions", KEY, "customer=" + customer + "&items[0][price]=" + price));
    subscription = sub.path("id").asText();
    invoice = sub.path("latest_invoice").asText();
  }

  @Test
  void aFieldOnlyAnOldVersionHasCanBeExpandedInThatVersion() {
    JsonNode pi =
        get(
            "/v1/payment_intents/" + paymentIntent + "?expand[]=charges.data.balance_transaction",
            "2022-11-14");

    JsonNode listed = pi.path("charges").path("data").get(0);
    assertThat(listed.path("id").asText()).isEqualTo(charge);
    assertThat(listed.path("balance_transaction").path("object").asText())
        .isEqualTo("balance_transaction");

    JsonNode old = get("/v1/invoices/" + invoice + "?expand[]=subscription", "2025-03-30");
    assertThat(old.path("subscription").path("id").asText()).isEqualTo(subscription);
  }

  @Test
  void anExpandedObjectIsInTheRequestsVersionShape() {
    JsonNode old = get("/v1/invoices/" + invoice + "?expand[]=subscription", "2025-03-30");
    // The subscription as 2025-03-30 knew it: periods on it, a single discount.
    assertThat(old.path("subscription").has("current_period_end")).isTrue();
    assertThat(old.path("subscription").has("discount")).isTrue();

    JsonNode chargeWithPi = get("/v1/charges/" + charge + "?expand[]=payment_intent", "2022-11-14");
    assertThat(chargeWithPi.path("payment_intent").path("charges").path("data")).hasSize(1);
    assertThat(chargeWithPi.path("payment_intent").path("invoice").isNull()).isTrue();

    JsonNode current = get("/v1/charges/" + charge + "?expand[]=payment_intent", null);
    assertThat(current.path("payment_intent").has("charges")).isFalse();
    assertThat(current.path("payment_intent").has("invoice")).isFalse();
  }

  @Test
  void whatTheVersionRemovedCannotBeExpanded() {
    HttpResponse<String> response =
        http.get("/v1/invoices/" + invoice + "?expand[]=subscription", KEY);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("This property cannot be expanded (subscription)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "payment_method_types",
        "amount",
        "metadata",
        "payment_method_options",
        "description",
        "status"
      })
  void aPropertyThatIsNotExpandableIsRefused(String property) {
    HttpResponse<String> response =
        http.get("/v1/payment_intents/" + paymentIntent + "?expand[]=" + property, KEY);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode error = json(response).path("error");
    assertThat(error.path("param").asText()).isEqualTo("expand");
    assertThat(error.path("message").asText())
        .startsWith("This property cannot be expanded (" + property + ")");
  }

  @ParameterizedTest
  @ValueSource(strings = {"customer", "latest_charge", "payment_method", "review", "invoice"})
  void nullOrIdFieldsThatNameObjectsCanBeExpanded(String property) {
    // customer, review and (in 2025-03-30) invoice are null on this PaymentIntent.
    JsonNode pi =
        get("/v1/payment_intents/" + paymentIntent + "?expand[]=" + property, "2025-03-30");

    assertThat(pi.has(property)).isTrue();
  }

  @Test
  void anAlreadyExpandedObjectCanBeNamedAgain() {
    JsonNode pi =
        get(
            "/v1/payment_intents/"
                + paymentIntent
                + "?expand[]=latest_charge&expand[]=latest_charge"
                + "&expand[]=latest_charge.balance_transaction",
            null);

    assertThat(pi.path("latest_charge").path("balance_transaction").path("object").asText())
        .isEqualTo("balance_transaction");
  }

  @Test
  void aChargesRefundsAreIncludedOnlyWhenExpandedSince20221115() {
    ok(http.post("/v1/refunds", KEY, "amount=300&charge=" + charge));

    assertThat(get("/v1/charges/" + charge, null).has("refunds")).isFalse();
    JsonNode expanded = get("/v1/charges/" + charge + "?expand[]=refunds", null);
    assertThat(expanded.path("refunds").path("url").asText())
        .isEqualTo("/v1/charges/" + charge + "/refunds");
    assertThat(expanded.path("refunds").path("data").get(0).path("amount").asLong()).isEqualTo(300);
    JsonNode old = get("/v1/charges/" + charge, "2022-11-14");
    assertThat(old.path("refunds").path("data").get(0).path("amount").asLong()).isEqualTo(300);
    // And inside a PaymentIntent's charges, in the versions that list them.
    JsonNode pi = get("/v1/payment_intents/" + paymentIntent, "2022-08-01");
    assertThat(pi.path("charges").path("data").get(0).path("refunds").path("data")).hasSize(1);
  }

  private static JsonNode get(String path, @Nullable String version) {
    HttpRequest.Builder request = http.request(path, KEY).GET();
    if (version != null) {
      request.header("Stripe-Version", version);
    }
    return ok(http.send(request.build()));
  }
}
