package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.stripe.StripeClient;
import com.stripe.model.Customer;
import com.stripe.param.CustomerRetrieveParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Includable fields: left out by default since 2020-08-27, included when {@code expand[]} names
 * them (a customer's sources, subscriptions and tax_ids; a price's or plan's tiers).
 */
class IncludableFieldsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private final SimHttp http = new SimHttp(sim.baseUrl());
  private final String key = "sk_test_includable_" + ACCOUNTS.incrementAndGet();

  private String customerWithCardAndSubscription() {
    String customer = ok(http.post("/v1/customers", key, "source=tok_visa")).path("id").asText();
    String price =
        ok(http.post(
                "/v1/prices",
                key,
                "currency=usd&unit_amount=500&recurring[interval]=month&product_data[name]=P"))
            .path("id")
            .asText();
    ok(http.post("/v1/subscriptions", key, "customer=" + customer + "&items[0][price]=" + price));
    return customer;
  }

  @Test
  void aCustomerLeavesThemOutByDefault() {
    JsonNode customer = ok(http.get("/v1/customers/" + customerWithCardAndSubscription(), key));

    assertThat(customer.has("sources")).isFalse();
    assertThat(customer.has("subscriptions")).isFalse();
    assertThat(customer.has("tax_ids")).isFalse();
  }

  @Test
  void expandIncludesSourcesSubscriptionsAndTaxIds() {
    String id = customerWithCardAndSubscription();

    JsonNode customer =
        ok(
            http.get(
                "/v1/customers/" + id + "?expand[]=sources&expand[]=subscriptions&expand[]=tax_ids",
                key));

    JsonNode sources = customer.path("sources");
    assertThat(sources.path("object").asText()).isEqualTo("list");
    assertThat(sources.path("url").asText()).isEqualTo("/v1/customers/" + id + "/sources");
    assertThat(sources.path("data")).hasSize(1);
    assertThat(sources.path("data").get(0).path("id").asText())
        .isEqualTo(customer.path("default_source").asText());
    JsonNode subscriptions = customer.path("subscriptions");
    assertThat(subscriptions.path("url").asText())
        .isEqualTo("/v1/customers/" + id + "/subscriptions");
    assertThat(subscriptions.path("data")).hasSize(1);
    assertThat(subscriptions.path("data").get(0).path("customer").asText()).isEqualTo(id);
    assertThat(customer.path("tax_ids").path("data")).isEmpty();
    assertThat(customer.path("tax_ids").path("has_more").asBoolean()).isFalse();
  }

  @Test
  void includableFieldsCanBeExpandedFurtherAndOnLists() {
    String id = customerWithCardAndSubscription();

    JsonNode deep =
        ok(http.get("/v1/customers/" + id + "?expand[]=subscriptions.data.latest_invoice", key));
    JsonNode listed = ok(http.get("/v1/customers?expand[]=data.sources", key));

    assertThat(deep.path("subscriptions").path("data").get(0).path("latest_invoice").path("object"))
        .hasToString("\"invoice\"");
    assertThat(listed.path("data").get(0).path("sources").path("data")).hasSize(1);
  }

  @Test
  void stripeJavaReadsTheIncludedSources() throws Exception {
    String id = customerWithCardAndSubscription();
    StripeClient stripe = Clients.forKey(sim, key);

    Customer customer =
        stripe
            .v1()
            .customers()
            .retrieve(id, CustomerRetrieveParams.builder().addExpand("sources").build());

    assertThat(customer.getSources().getData()).hasSize(1);
  }

  @Test
  void pricesAndPlansIncludeTiersOnRequest() {
    String product = ok(http.post("/v1/products", key, "name=Tiers")).path("id").asText();
    String price =
        ok(http.post("/v1/prices", key, "currency=usd&unit_amount=100&product=" + product))
            .path("id")
            .asText();
    String plan =
        ok(http.post("/v1/plans", key, "currency=usd&amount=100&interval=month&product=" + product))
            .path("id")
            .asText();

    for (String path : new String[] {"/v1/prices/" + price, "/v1/plans/" + plan}) {
      assertThat(ok(http.get(path, key)).has("tiers")).as(path).isFalse();
      JsonNode expanded = ok(http.get(path + "?expand[]=tiers", key));
      // Tiered billing is not simulated: a per_unit price's tiers are null.
      assertThat(expanded.has("tiers")).as(path).isTrue();
      assertThat(expanded.path("tiers").isNull()).as(path).isTrue();
    }
  }

  @Test
  void otherMissingFieldsAreStillRefused() {
    String id = ok(http.post("/v1/customers", key, "")).path("id").asText();

    HttpResponse<String> response = http.get("/v1/customers/" + id + "?expand[]=charges", key);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("This property cannot be expanded (charges)");
  }

  private static JsonNode ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    try {
      return Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
