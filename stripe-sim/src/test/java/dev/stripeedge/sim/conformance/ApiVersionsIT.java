package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code Stripe-Version} honoured: each version change between 2020-08-27 and today, tested on both
 * sides of its release date (the day before gets the old shape, the day itself the new).
 */
class ApiVersionsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String KEY = "sk_test_api_versions";
  private static final Map<String, String> IDS = new LinkedHashMap<>();
  private static SimHttp http;

  /** One of each object, created at the default version. */
  @BeforeAll
  static void objects() {
    http = new SimHttp(sim.baseUrl());
    JsonNode customer = ok(http.post("/v1/customers", KEY, "source=tok_visa"));
    IDS.put("customer", customer.path("id").asText());
    JsonNode product = ok(http.post("/v1/products", KEY, "name=Versioned"));
    IDS.put("product", product.path("id").asText());
    JsonNode price =
        ok(
            http.post(
                "/v1/prices",
                KEY,
                "currency=usd&unit_amount=700&recurring[interval]=month&product="
                    + IDS.get("product")));
    IDS.put("price", price.path("id").asText());
    IDS.put(
        "plan",
        ok(http.post(
                "/v1/plans",
                KEY,
                "currency=usd&amount=700&interval=month&product=" + IDS.get("product")))
            .path("id")
            .asText());
    JsonNode pi = ok(http.confirmedPaymentIntent(KEY, 1500, "pm_card_visa", ""));
    IDS.put("payment_intent", pi.path("id").asText());
    IDS.put("charge", pi.path("latest_charge").asText());
    IDS.put("payment_method", pi.path("payment_method").asText());
    JsonNode subscription =
        ok(
            http.post(
                "/v1/subscriptions",
                KEY,
                "customer=" + IDS.get("customer") + "&items[0][price]=" + IDS.get("price")));
    IDS.put("subscription", subscription.path("id").asText());
    IDS.put("invoice", subscription.path("latest_invoice").asText());
  }

  /**
   * Per change: the object, its field path, the last version without the change and the field's
   * presence there ({@code old}), and at the change's own version ({@code new}).
   */
  @ParameterizedTest(name = "{0}.{1} at {2}/{3}")
  @CsvSource({
    "payment_method, billing_details.tax_id, 2025-04-29, 2025-04-30.basil, absent, present",
    "charge, billing_details.tax_id, 2025-04-29, 2025-04-30.basil, absent, present",
    "price, recurring.aggregate_usage, 2025-03-30, 2025-03-31.basil, present, absent",
    "plan, aggregate_usage, 2025-03-30, 2025-03-31.basil, present, absent",
    "subscription, discount, 2025-03-30, 2025-03-31.basil, present, absent",
    "subscription, current_period_end, 2025-03-30, 2025-03-31.basil, present, absent",
    "invoice, subscription, 2025-03-30, 2025-03-31.basil, present, absent",
    "invoice, lines.data.0.price, 2025-03-30, 2025-03-31.basil, present, absent",
    "invoice, lines.data.0.subscription_item, 2025-03-30, 2025-03-31.basil, present, absent",
    "invoice, lines.data.0.tax_rates, 2025-03-30, 2025-03-31.basil, present, absent",
    "invoice, paid, 2025-03-30, 2025-03-31.basil, present, absent",
    "invoice, discount, 2025-03-30, 2025-03-31.basil, present, absent",
    "invoice, subscription_details, 2025-03-30, 2025-03-31.basil, present, absent",
    "charge, dispute, 2023-08-15, 2023-08-16, present, absent",
    "payment_intent, invoice, 2025-03-30, 2025-03-31.basil, present, absent",
    "charge, invoice, 2025-03-30, 2025-03-31.basil, present, absent",
    "product, features, 2024-04-09, 2024-04-10, present, absent",
    "product, marketing_features, 2024-04-09, 2024-04-10, absent, present",
    "product, attributes, 2023-08-15, 2023-08-16, present, absent",
    "payment_intent, charges, 2022-11-14, 2022-11-15, present, absent",
    "charge, refunds, 2022-11-14, 2022-11-15, present, absent",
    "customer, sources, 2020-03-02, 2020-08-27, present, absent",
    "customer, subscriptions, 2020-03-02, 2020-08-27, present, absent",
    "customer, tax_ids, 2020-03-02, 2020-08-27, present, absent",
  })
  void eachChangeAppliesBeforeItsVersionOnly(
      String object, String path, String before, String at, String old, String current) {
    String url = "/v1/" + object + "s/" + IDS.get(object);

    assertThat(has(get(url, before), path)).as("%s at %s", path, before).isEqualTo(is(old));
    assertThat(has(get(url, at), path)).as("%s at %s", path, at).isEqualTo(is(current));
    assertThat(has(get(url, null), path)).as("%s by default", path).isEqualTo(is(current));
  }

  @Test
  void twentyTwentyShapes() {
    String v = "2020-08-27";

    JsonNode price = get("/v1/prices/" + IDS.get("price"), v);
    assertThat(price.path("recurring").path("aggregate_usage").isNull()).isTrue();
    JsonNode product = get("/v1/products/" + IDS.get("product"), v);
    assertThat(product.path("attributes")).isEmpty();
    JsonNode subscription = get("/v1/subscriptions/" + IDS.get("subscription"), v);
    assertThat(subscription.path("discount").isNull()).isTrue();
    assertThat(subscription.path("current_period_start").asLong())
        .isEqualTo(
            subscription.path("items").path("data").get(0).path("current_period_start").asLong());
    JsonNode pi = get("/v1/payment_intents/" + IDS.get("payment_intent"), v);
    assertThat(pi.path("charges").path("data")).hasSize(1);
    assertThat(pi.path("charges").path("data").get(0).path("id").asText())
        .isEqualTo(IDS.get("charge"));
    // Nested objects are walked back too: the listed charge has no billing_details.tax_id.
    assertThat(pi.path("charges").path("data").get(0).path("billing_details").has("tax_id"))
        .isFalse();
    JsonNode invoice = get("/v1/invoices/" + IDS.get("invoice"), v);
    assertThat(invoice.path("subscription").asText()).isEqualTo(IDS.get("subscription"));
    assertThat(invoice.path("lines").path("data").get(0).path("price").path("id").asText())
        .isEqualTo(IDS.get("price"));
    assertThat(invoice.path("lines").path("data").get(0).path("type").asText())
        .isEqualTo("subscription");
    assertThat(invoice.path("paid").asBoolean())
        .isEqualTo(invoice.path("status").asText().equals("paid"));
  }

  @Test
  void beforeAugust2023AChargeNamesItsDispute() {
    String charge =
        ok(http.post("/v1/charges", KEY, "amount=900&currency=usd&source=tok_createDispute"))
            .path("id")
            .asText();
    String dispute =
        ok(http.get("/v1/disputes?charge=" + charge, KEY)).path("data").get(0).path("id").asText();

    assertThat(get("/v1/charges/" + charge, "2023-08-15").path("dispute").asText())
        .isEqualTo(dispute);
    assertThat(get("/v1/charges/" + IDS.get("charge"), "2023-08-15").path("dispute").isNull())
        .isTrue();
  }

  @Test
  void listsAndSearchesAreTransformedPerItem() {
    JsonNode list = get("/v1/prices?limit=3", "2020-08-27");

    assertThat(list.path("data")).isNotEmpty();
    list.path("data")
        .forEach(price -> assertThat(price.path("recurring").has("aggregate_usage")).isTrue());
  }

  @Test
  void beforeTwentyTwentyTheCustomerCarriesItsLists() {
    JsonNode customer = get("/v1/customers/" + IDS.get("customer"), "2019-12-03");

    assertThat(customer.path("sources").path("data")).hasSize(1);
    assertThat(customer.path("subscriptions").path("data")).hasSize(1);
    assertThat(customer.path("tax_ids").path("data")).isEmpty();
  }

  @Test
  void captureMethodDefaultedToAutomaticBefore20240410() {
    String form =
        "amount=1000&currency=usd&payment_method_types[]=card&payment_method=pm_card_visa";

    assertThat(post("/v1/payment_intents", form, "2024-04-09").path("capture_method").asText())
        .isEqualTo("automatic");
    assertThat(post("/v1/payment_intents", form, "2024-04-10").path("capture_method").asText())
        .isEqualTo("automatic_async");
  }

  @Test
  void automaticPaymentMethodsWereOffByDefaultBefore20230816() {
    JsonNode old = post("/v1/payment_intents", "amount=1000&currency=usd", "2023-08-15");
    JsonNode current = post("/v1/payment_intents", "amount=1000&currency=usd", "2023-08-16");

    assertThat(old.path("automatic_payment_methods").isNull()).isTrue();
    assertThat(old.path("payment_method_types").get(0).asText()).isEqualTo("card");
    assertThat(current.path("automatic_payment_methods").path("enabled").asBoolean()).isTrue();
  }

  @Test
  void setupIntentsToldAutomaticPaymentMethodsApartBefore20230816() {
    JsonNode old = post("/v1/setup_intents", "usage=off_session", "2023-08-15");
    JsonNode current = post("/v1/setup_intents", "usage=off_session", "2023-08-16");

    assertThat(old.path("automatic_payment_methods").isNull()).isTrue();
    assertThat(old.path("payment_method_types").get(0).asText()).isEqualTo("card");
    assertThat(current.path("automatic_payment_methods").path("enabled").asBoolean()).isTrue();
  }

  @Test
  void checkoutUiModesWereRenamedIn20260325() {
    String form =
        "mode=subscription&success_url=https%3A%2F%2Fexample.com&line_items[0][price]="
            + IDS.get("price");

    JsonNode current = post("/v1/checkout/sessions", form, "2026-03-25.dahlia");
    assertThat(current.path("ui_mode").asText()).isEqualTo("hosted_page");
    String id = current.path("id").asText();
    assertThat(get("/v1/checkout/sessions/" + id, "2026-03-24").path("ui_mode").asText())
        .isEqualTo("hosted");
    // The old names are taken in the old versions, and refused in the new ones.
    JsonNode embedded =
        post(
            "/v1/checkout/sessions",
            form.replace("success_url", "return_url") + "&ui_mode=embedded",
            "2025-09-30.clover");
    assertThat(embedded.path("ui_mode").asText()).isEqualTo("embedded");
    assertThat(embedded.path("url").isNull()).isTrue();
    assertThat(embedded.path("client_secret").asText()).startsWith(embedded.path("id").asText());
    assertThat(
            get("/v1/checkout/sessions/" + embedded.path("id").asText(), null)
                .path("ui_mode")
                .asText())
        .isEqualTo("embedded_page");
    HttpResponse<String> refused =
        http.post(
            "/v1/checkout/sessions", KEY, form + "&ui_mode=hosted", "Stripe-Version", "2026-03-25");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(json(refused).path("error").path("code").asText())
        .isEqualTo("parameter_invalid_string_enum");
  }

  @Test
  void aWebhookEndpointsVersionMustBeAVersion() {
    HttpResponse<String> response =
        http.post(
            "/v1/webhook_endpoints",
            KEY,
            "url=https%3A%2F%2Fexample.com%2Fh&enabled_events[]=*&api_version=latest");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).path("error").path("param").asText()).isEqualTo("api_version");
  }

  @Test
  void objectsInCardErrorsAreInTheRequestsVersion() {
    HttpResponse<String> response =
        http.post(
            "/v1/payment_intents",
            KEY,
            "amount=1000&currency=usd&confirm=true&payment_method_types[]=card"
                + "&payment_method=pm_card_chargeDeclined",
            "Stripe-Version",
            "2022-11-14");

    assertThat(response.statusCode()).isEqualTo(402);
    JsonNode error = json(response).path("error");
    assertThat(error.path("payment_intent").path("charges").path("data")).hasSize(1);
    assertThat(error.path("payment_method").path("billing_details").has("tax_id")).isFalse();
  }

  @Test
  void somethingThatIsNotAVersionIsRefused() {
    HttpResponse<String> response =
        http.send(
            http.request("/v1/prices/" + IDS.get("price"), KEY)
                .header("Stripe-Version", "not-a-version")
                .GET()
                .build());

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = json(response).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText())
        .isEqualTo("Invalid Stripe API version: not-a-version");
  }

  private static boolean is(String presence) {
    return presence.equals("present");
  }

  private static boolean has(JsonNode node, String path) {
    JsonNode current = node;
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (current.isArray()) {
        current = current.path(Integer.parseInt(part));
        continue;
      }
      if (!current.has(part)) {
        return false;
      }
      current = current.get(part);
    }
    return true;
  }

  private static JsonNode get(String path, @Nullable String version) {
    HttpRequest.Builder request = http.request(path, KEY).GET();
    if (version != null) {
      request.header("Stripe-Version", version);
    }
    return ok(http.send(request.build()));
  }

  private static JsonNode post(String path, String form, String version) {
    return ok(http.post(path, KEY, form, "Stripe-Version", version));
  }

  private static JsonNode ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
