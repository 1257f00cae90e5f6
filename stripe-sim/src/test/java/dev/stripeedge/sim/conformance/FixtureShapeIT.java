package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every resource the simulator serves carries the keys Stripe's published example of it carries
 * ({@code stripe-openapi/fixtures3.json}, Stripe's OpenAPI fixtures), compared recursively.
 *
 * <p>A difference is either fixed in the simulator or listed, with its reason, in {@code
 * fixture-shape-allowlist.txt}; an allow-list entry that no longer matches a difference fails too,
 * so the list only ever shrinks honestly. Key sets only: values are examples, not rules.
 */
class FixtureShapeIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String KEY = "sk_test_fixture_shapes";

  /**
   * Keys whose contents are not shape: metadata is the user's own map, and an event's {@code
   * data.object} is whatever resource changed (the fixture's is a plan), checked on its own.
   */
  private static final java.util.Set<String> OPAQUE = java.util.Set.of("metadata", "object");

  private static final Map<String, JsonNode> RENDERED = new LinkedHashMap<>();

  /**
   * More states of the resources, checked against stripe-java's models only (the fixture shows one
   * state): {@code "<resource> <state>"} keys, the model found by the first word.
   */
  private static final Map<String, JsonNode> STATES = new LinkedHashMap<>();

  private static JsonNode fixtures;

  @BeforeAll
  static void renderOneOfEach() {
    fixtures = resource("stripe-openapi/fixtures3.json").get("resources");
    SimHttp http = new SimHttp(sim.baseUrl());

    JsonNode customer = post(http, "/v1/customers", "email=a%40example.com&name=Ann");
    RENDERED.put("customer", customer);
    String cus = customer.get("id").asText();
    RENDERED.put("card", post(http, "/v1/customers/" + cus + "/sources", "source=tok_visa"));
    JsonNode pi =
        post(
            http,
            "/v1/payment_intents",
            "amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true"
                + "&payment_method_types[]=card&customer="
                + cus);
    RENDERED.put("payment_intent", pi);
    RENDERED.put(
        "setup_intent",
        post(
            http,
            "/v1/setup_intents",
            "customer=" + cus + "&payment_method=pm_card_visa&confirm=true&usage=off_session"));
    // Stripe's example shows the charge's refunds, included (since 2022-11-15) when expanded.
    RENDERED.put(
        "charge",
        get(http, "/v1/charges/" + pi.get("latest_charge").asText() + "?expand[]=refunds"));
    RENDERED.put(
        "payment_method", get(http, "/v1/payment_methods/" + pi.get("payment_method").asText()));
    RENDERED.put(
        "refund", post(http, "/v1/refunds", "amount=500&payment_intent=" + pi.get("id").asText()));
    JsonNode product = post(http, "/v1/products", "name=Gold");
    RENDERED.put("product", product);
    String prod = product.get("id").asText();
    JsonNode price =
        post(
            http,
            "/v1/prices",
            "unit_amount=1000&currency=usd&recurring[interval]=month&product=" + prod);
    RENDERED.put("price", price);
    RENDERED.put(
        "plan", post(http, "/v1/plans", "amount=1000&currency=usd&interval=month&product=" + prod));
    RENDERED.put(
        "tax_rate", post(http, "/v1/tax_rates", "display_name=VAT&percentage=20&inclusive=false"));
    JsonNode subscription =
        post(
            http,
            "/v1/subscriptions",
            "customer="
                + cus
                + "&items[0][price]="
                + price.get("id").asText()
                + "&default_payment_method="
                + pi.get("payment_method").asText());
    RENDERED.put("subscription", subscription);
    RENDERED.put("subscription_item", subscription.get("items").get("data").get(0));
    RENDERED.put(
        "invoice", get(http, "/v1/invoices/" + subscription.get("latest_invoice").asText()));
    RENDERED.put(
        "webhook_endpoint",
        post(
            http,
            "/v1/webhook_endpoints",
            "url=https%3A%2F%2Fexample.com%2Fhook&enabled_events[]=*"));
    RENDERED.put("event", get(http, "/v1/events?limit=1").get("data").get(0));
    RENDERED.put("account", post(http, "/v1/accounts", "type=custom&country=US"));
    String disputed =
        post(http, "/v1/charges", "amount=2500&currency=usd&source=tok_createDispute")
            .get("id")
            .asText();
    RENDERED.put("dispute", get(http, "/v1/disputes?charge=" + disputed).get("data").get(0));
    RENDERED.put("balance", get(http, "/v1/balance"));
    RENDERED.put(
        "balance_transaction",
        get(
            http,
            "/v1/balance_transactions/"
                + RENDERED.get("charge").get("balance_transaction").asText()));
    RENDERED.put(
        "coupon",
        post(http, "/v1/coupons", "percent_off=25&duration=repeating&duration_in_months=3"));
    JsonNode discounted =
        post(
            http,
            "/v1/subscriptions",
            "customer="
                + cus
                + "&items[0][price]="
                + price.get("id").asText()
                + "&discounts[0][coupon]="
                + RENDERED.get("coupon").get("id").asText());
    RENDERED.put(
        "discount",
        get(http, "/v1/subscriptions/" + discounted.get("id").asText() + "?expand[]=discounts")
            .get("discounts")
            .get(0));
    JsonNode session =
        post(
            http,
            "/v1/checkout/sessions",
            "mode=subscription&success_url=https%3A%2F%2Fexample.com%2Fok&line_items[0][price]="
                + price.get("id").asText());
    RENDERED.put("checkout.session", session);
    RENDERED.put(
        "item",
        get(http, "/v1/checkout/sessions/" + session.get("id").asText() + "/line_items")
            .get("data")
            .get(0));
    JsonNode doomedCoupon = post(http, "/v1/coupons", "amount_off=500&currency=usd");
    RENDERED.put("deleted_coupon", delete(http, "/v1/coupons/" + doomedCoupon.get("id").asText()));
    JsonNode doomed = post(http, "/v1/customers", "");
    RENDERED.put("deleted_customer", delete(http, "/v1/customers/" + doomed.get("id").asText()));
    JsonNode doomedProduct = post(http, "/v1/products", "name=Old");
    RENDERED.put(
        "deleted_product", delete(http, "/v1/products/" + doomedProduct.get("id").asText()));
    renderStates(http, cus);
  }

  /** Declines, 3D Secure, expansions and embedded Checkout: the fields only those states carry. */
  private static void renderStates(SimHttp http, String customer) {
    JsonNode declined =
        json(
            http.post(
                "/v1/payment_intents",
                KEY,
                "amount=2000&currency=usd&confirm=true&payment_method_types[]=card"
                    + "&payment_method=pm_card_chargeDeclinedInsufficientFunds"));
    STATES.put("payment_intent declined", declined.get("error").get("payment_intent"));
    STATES.put(
        "charge declined",
        get(http, "/v1/charges/" + declined.get("error").get("charge").asText()));
    JsonNode action =
        post(
            http,
            "/v1/payment_intents",
            "amount=2000&currency=usd&confirm=true&payment_method_types[]=card"
                + "&payment_method=pm_card_authenticationRequired&return_url=https%3A%2F%2Fa.b");
    STATES.put("payment_intent requires_action", action);
    STATES.put(
        "payment_intent authentication_failed",
        post(
            http,
            "/_sim/payment_intents/" + action.get("id").asText() + "/authenticate",
            "outcome=fail"));
    JsonNode authenticated =
        post(
            http,
            "/v1/payment_intents",
            "amount=2000&currency=usd&confirm=true&payment_method_types[]=card"
                + "&payment_method=pm_card_authenticationRequired");
    post(http, "/_sim/payment_intents/" + authenticated.get("id").asText() + "/authenticate", "");
    STATES.put(
        "charge authenticated",
        get(
                http,
                "/v1/payment_intents/"
                    + authenticated.get("id").asText()
                    + "?expand[]=latest_charge")
            .get("latest_charge"));
    JsonNode setup =
        post(
            http,
            "/v1/setup_intents",
            "customer=" + customer + "&payment_method=pm_card_authenticationRequired&confirm=true");
    STATES.put("setup_intent requires_action", setup);
    STATES.put(
        "payment_intent expanded",
        get(
            http,
            "/v1/payment_intents/"
                + RENDERED.get("payment_intent").get("id").asText()
                + "?expand[]=latest_charge.balance_transaction&expand[]=customer"
                + "&expand[]=payment_method"));
    STATES.put(
        "customer expanded",
        get(
            http,
            "/v1/customers/"
                + customer
                + "?expand[]=sources&expand[]=subscriptions&expand[]=tax_ids"
                + "&expand[]=default_source"));
    STATES.put(
        "checkout.session embedded",
        post(
            http,
            "/v1/checkout/sessions",
            "mode=payment&ui_mode=embedded_page&return_url=https%3A%2F%2Fa.b"
                + "&line_items[0][price]="
                + post(http, "/v1/prices", "unit_amount=500&currency=usd&product_data[name]=x")
                    .get("id")
                    .asText()));
  }

  @Test
  void everyRenderedResourceHasAFixture() {
    for (String name : RENDERED.keySet()) {
      assertThat(fixtures.has(name)).as(name).isTrue();
    }
  }

  @Test
  void keySetsMatchStripesFixturesOrAreAllowListed() {
    TreeSet<String> differences = new TreeSet<>();
    RENDERED.forEach((name, object) -> compare(name, "", fixtures.get(name), object, differences));
    TreeSet<String> allowed = new TreeSet<>(allowList().keySet());

    TreeSet<String> unexplained = new TreeSet<>(differences);
    unexplained.removeAll(allowed);
    TreeSet<String> stale = new TreeSet<>(allowed);
    stale.removeAll(differences);
    assertThat(unexplained).as("differences from fixtures3.json not in the allow-list").isEmpty();
    assertThat(stale).as("allow-list entries that no longer differ").isEmpty();
  }

  /** stripe-java's model class per resource: the fields a Java client can read. */
  private static final Map<String, Class<?>> MODELS =
      Map.ofEntries(
          Map.entry("customer", com.stripe.model.Customer.class),
          Map.entry("card", com.stripe.model.Card.class),
          Map.entry("payment_intent", com.stripe.model.PaymentIntent.class),
          Map.entry("charge", com.stripe.model.Charge.class),
          Map.entry("payment_method", com.stripe.model.PaymentMethod.class),
          Map.entry("refund", com.stripe.model.Refund.class),
          Map.entry("product", com.stripe.model.Product.class),
          Map.entry("price", com.stripe.model.Price.class),
          Map.entry("plan", com.stripe.model.Plan.class),
          Map.entry("tax_rate", com.stripe.model.TaxRate.class),
          Map.entry("subscription", com.stripe.model.Subscription.class),
          Map.entry("subscription_item", com.stripe.model.SubscriptionItem.class),
          Map.entry("invoice", com.stripe.model.Invoice.class),
          Map.entry("webhook_endpoint", com.stripe.model.WebhookEndpoint.class),
          Map.entry("event", com.stripe.model.Event.class),
          Map.entry("account", com.stripe.model.Account.class),
          Map.entry("dispute", com.stripe.model.Dispute.class),
          Map.entry("coupon", com.stripe.model.Coupon.class),
          Map.entry("checkout.session", com.stripe.model.checkout.Session.class),
          Map.entry("item", com.stripe.model.LineItem.class),
          Map.entry("discount", com.stripe.model.Discount.class),
          Map.entry("deleted_coupon", com.stripe.model.Coupon.class),
          Map.entry("setup_intent", com.stripe.model.SetupIntent.class),
          Map.entry("balance_transaction", com.stripe.model.BalanceTransaction.class),
          Map.entry("balance", com.stripe.model.Balance.class),
          Map.entry("deleted_customer", com.stripe.model.Customer.class),
          Map.entry("deleted_product", com.stripe.model.Product.class));

  /**
   * Every key the simulator sends, at every depth, is a field of stripe-java's model for it (the
   * fields a Java client can read): followed through nested classes, expandable fields, lists and
   * collections by the fields' declared types. Differences are listed in {@code
   * stripe-java-model-allowlist.txt} with their reasons; a stale entry fails too.
   */
  @Test
  void everyKeyIsInStripeJavasModelOrIsAllowListed() {
    TreeSet<String> differences = new TreeSet<>();
    RENDERED.forEach(
        (name, object) -> ModelWalk.compare(name, "", MODELS.get(name), object, differences));
    STATES.forEach(
        (name, object) ->
            ModelWalk.compare(name, "", MODELS.get(name.split(" ")[0]), object, differences));
    TreeSet<String> allowed = new TreeSet<>(allowList("stripe-java-model-allowlist.txt").keySet());

    TreeSet<String> unexplained = new TreeSet<>(differences);
    unexplained.removeAll(allowed);
    TreeSet<String> stale = new TreeSet<>(allowed);
    stale.removeAll(differences);
    assertThat(unexplained).as("keys stripe-java 33's models do not have").isEmpty();
    assertThat(stale).as("stripe-java allow-list entries that no longer differ").isEmpty();
  }

  /**
   * A second reference, from another SDK: every top-level key is a property of the resource in
   * stripe-node's TypeScript types ({@code stripe-node-fields.txt}, extracted from stripe-node
   * 23.2.0). stripe-node pins a newer version than the simulator's default, so its differences are
   * listed in {@code stripe-node-allowlist.txt} with their reasons.
   */
  @Test
  void everyTopLevelKeyIsInStripeNodesTypes() {
    Map<String, java.util.Set<String>> types = new LinkedHashMap<>();
    for (String line : text("stripe-node-fields.txt").split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int colon = line.indexOf(':');
        types.put(
            line.substring(0, colon),
            java.util.Set.of(line.substring(colon + 1).strip().split(" ")));
      }
    }
    TreeSet<String> differences = new TreeSet<>();
    RENDERED.forEach(
        (name, object) -> {
          assertThat(types).as("stripe-node type for " + name).containsKey(name);
          object
              .fieldNames()
              .forEachRemaining(
                  key -> {
                    if (!types.get(name).contains(key)) {
                      differences.add(name + " +" + key);
                    }
                  });
        });
    TreeSet<String> allowed = new TreeSet<>(allowList("stripe-node-allowlist.txt").keySet());

    TreeSet<String> unexplained = new TreeSet<>(differences);
    unexplained.removeAll(allowed);
    TreeSet<String> stale = new TreeSet<>(allowed);
    stale.removeAll(differences);
    assertThat(unexplained).as("keys stripe-node's types do not have").isEmpty();
    assertThat(stale).as("stripe-node allow-list entries that no longer differ").isEmpty();
  }

  @Test
  void everyAllowListEntryGivesAReason() {
    allowList().forEach((entry, reason) -> assertThat(reason).as(entry).isNotBlank());
    allowList("stripe-java-model-allowlist.txt")
        .forEach((entry, reason) -> assertThat(reason).as(entry).isNotBlank());
    allowList("stripe-node-allowlist.txt")
        .forEach((entry, reason) -> assertThat(reason).as(entry).isNotBlank());
  }

  /**
   * Records {@code resource -path} for a key the fixture has and the simulator lacks, {@code
   * resource +path} for one only the simulator sends; recurses where both sides hold an object (a
   * list's first element stands for all; an id on one side and an object on the other is an
   * expansion, not a difference).
   */
  static void compare(
      String resource, String path, JsonNode expected, JsonNode actual, TreeSet<String> out) {
    if (expected.isObject() && actual.isObject()) {
      if (isList(expected) && isList(actual)) {
        JsonNode e = expected.get("data");
        JsonNode a = actual.get("data");
        if (e.size() > 0 && a.size() > 0) {
          compare(resource, path + "data[].", e.get(0), a.get(0), out);
        }
        return;
      }
      for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!actual.has(key)) {
          out.add(resource + " -" + path + key);
        } else if (!OPAQUE.contains(key)) {
          compare(resource, path + key + ".", expected.get(key), actual.get(key), out);
        }
      }
      for (Iterator<String> it = actual.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!expected.has(key)) {
          out.add(resource + " +" + path + key);
        }
      }
    } else if (expected.isArray() && actual.isArray() && expected.size() > 0 && actual.size() > 0) {
      if (expected.get(0).isObject() && actual.get(0).isObject()) {
        compare(resource, path + "[].", expected.get(0), actual.get(0), out);
      }
    }
  }

  private static boolean isList(JsonNode node) {
    return "list".equals(node.path("object").asText()) && node.has("data");
  }

  /** {@code resource ±path | reason} per line; {@code #} starts a comment. */
  static Map<String, String> allowList() {
    return allowList("fixture-shape-allowlist.txt");
  }

  static Map<String, String> allowList(String file) {
    Map<String, String> entries = new LinkedHashMap<>();
    String text = text(file);
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      int bar = trimmed.indexOf('|');
      String entry = (bar < 0 ? trimmed : trimmed.substring(0, bar)).strip();
      String reason = bar < 0 ? "" : trimmed.substring(bar + 1).strip();
      entries.put(entry, reason);
    }
    return entries;
  }

  private static JsonNode post(SimHttp http, String path, String form) {
    return ok(http.post(path, KEY, form));
  }

  private static JsonNode get(SimHttp http, String path) {
    return ok(http.get(path, KEY));
  }

  private static JsonNode delete(SimHttp http, String path) {
    return ok(http.send(http.request(path, KEY).DELETE().build()));
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

  private static JsonNode resource(String name) {
    try {
      return Json.MAPPER.readTree(text(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(String name) {
    try (InputStream in = FixtureShapeIT.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
