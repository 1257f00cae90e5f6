package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Event;
import com.stripe.model.Plan;
import com.stripe.model.Price;
import com.stripe.model.Product;
import com.stripe.model.StripeCollection;
import com.stripe.model.TaxRate;
import com.stripe.param.EventListParams;
import com.stripe.param.PlanCreateParams;
import com.stripe.param.PlanListParams;
import com.stripe.param.PriceCreateParams;
import com.stripe.param.PriceListParams;
import com.stripe.param.PriceRetrieveParams;
import com.stripe.param.PriceSearchParams;
import com.stripe.param.PriceUpdateParams;
import com.stripe.param.ProductCreateParams;
import com.stripe.param.TaxRateCreateParams;
import com.stripe.param.TaxRateListParams;
import com.stripe.param.TaxRateUpdateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Prices, plans and tax rates through stripe-java. */
class CatalogIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static Product product(StripeClient client) throws Exception {
    return client.v1().products().create(ProductCreateParams.builder().setName("Gold").build());
  }

  private static Price oneTime(StripeClient client, String product, long amount) throws Exception {
    return client
        .v1()
        .prices()
        .create(
            PriceCreateParams.builder()
                .setProduct(product)
                .setCurrency("usd")
                .setUnitAmount(amount)
                .build());
  }

  @Test
  void oneTimePriceHasNoRecurring() throws Exception {
    StripeClient client = Clients.fresh(sim, "price_once");
    Price price = oneTime(client, product(client).getId(), 700);
    assertThat(price.getId()).startsWith("price_");
    assertThat(price.getType()).isEqualTo("one_time");
    assertThat(price.getRecurring()).isNull();
    assertThat(price.getUnitAmountDecimal()).isEqualByComparingTo("700");
    assertThat(price.getBillingScheme()).isEqualTo("per_unit");
    assertThat(price.getTaxBehavior()).isEqualTo("unspecified");
  }

  @Test
  void fractionalDecimalAmountLeavesUnitAmountNull() throws Exception {
    StripeClient client = Clients.fresh(sim, "price_decimal");
    Price price =
        client
            .v1()
            .prices()
            .create(
                PriceCreateParams.builder()
                    .setProduct(product(client).getId())
                    .setCurrency("eur")
                    .setUnitAmountDecimal(new BigDecimal("12.5"))
                    .build());
    assertThat(price.getUnitAmount()).isNull();
    assertThat(price.getUnitAmountDecimal()).isEqualByComparingTo("12.5");
  }

  @Test
  void unknownProductIsA404() {
    StripeClient client = Clients.fresh(sim, "price_missing_product");
    assertThatThrownBy(() -> oneTime(client, "prod_nope", 100))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> {
              assertThat(e.getStatusCode()).isEqualTo(404);
              assertThat(e.getCode()).isEqualTo("resource_missing");
              assertThat(e.getParam()).isEqualTo("product");
            });
  }

  @Test
  void productExpandsOnAPrice() throws Exception {
    StripeClient client = Clients.fresh(sim, "price_expand");
    Product product = product(client);
    Price price = oneTime(client, product.getId(), 100);
    Price expanded =
        client
            .v1()
            .prices()
            .retrieve(price.getId(), PriceRetrieveParams.builder().addExpand("product").build());
    assertThat(expanded.getProductObject().getName()).isEqualTo("Gold");
    assertThat(expanded.getProduct()).isEqualTo(product.getId());
  }

  @Test
  void productWithACustomIdExpandsOnAPrice() throws Exception {
    StripeClient client = Clients.fresh(sim, "price_expand_custom");
    client
        .v1()
        .products()
        .create(
            com.stripe.param.ProductCreateParams.builder().setId("gold").setName("Gold").build());
    Price price = oneTime(client, "gold", 100);
    Price expanded =
        client
            .v1()
            .prices()
            .retrieve(price.getId(), PriceRetrieveParams.builder().addExpand("product").build());
    assertThat(expanded.getProductObject().getId()).isEqualTo("gold");
  }

  @Test
  void productExpandsOnAPriceList() throws Exception {
    StripeClient client = Clients.fresh(sim, "price_list_expand");
    Product product = product(client);
    oneTime(client, product.getId(), 100);
    oneTime(client, product.getId(), 200);
    StripeCollection<Price> prices =
        client.v1().prices().list(PriceListParams.builder().addExpand("data.product").build());
    assertThat(prices.getData())
        .allSatisfy(p -> assertThat(p.getProductObject().getId()).isEqualTo(product.getId()));
  }

  @Test
  void listFiltersByTypeAndRecurringInterval() throws Exception {
    StripeClient client = Clients.fresh(sim, "price_filters");
    String product = product(client).getId();
    oneTime(client, product, 100);
    Price yearly =
        client
            .v1()
            .prices()
            .create(
                PriceCreateParams.builder()
                    .setProduct(product)
                    .setCurrency("usd")
                    .setUnitAmount(9900L)
                    .setRecurring(
                        PriceCreateParams.Recurring.builder()
                            .setInterval(PriceCreateParams.Recurring.Interval.YEAR)
                            .build())
                    .build());
    assertThat(
            client
                .v1()
                .prices()
                .list(
                    PriceListParams.builder()
                        .setType(PriceListParams.Type.RECURRING)
                        .setRecurring(
                            PriceListParams.Recurring.builder()
                                .setInterval(PriceListParams.Recurring.Interval.YEAR)
                                .build())
                        .build())
                .getData())
        .extracting(Price::getId)
        .containsExactly(yearly.getId());
  }

  @Test
  void lookupKeysAreUniqueUnlessTransferred() throws Exception {
    StripeClient client = Clients.fresh(sim, "price_lookup");
    String product = product(client).getId();
    Price first =
        client
            .v1()
            .prices()
            .create(
                PriceCreateParams.builder()
                    .setProduct(product)
                    .setCurrency("usd")
                    .setUnitAmount(100L)
                    .setLookupKey("standard")
                    .build());
    PriceCreateParams.Builder again =
        PriceCreateParams.builder()
            .setProduct(product)
            .setCurrency("usd")
            .setUnitAmount(200L)
            .setLookupKey("standard");
    assertThatThrownBy(() -> client.v1().prices().create(again.build()))
        .isInstanceOf(InvalidRequestException.class);
    Price second = client.v1().prices().create(again.setTransferLookupKey(true).build());
    assertThat(
            client
                .v1()
                .prices()
                .list(PriceListParams.builder().addLookupKey("standard").build())
                .getData())
        .extracting(Price::getId)
        .containsExactly(second.getId());
    assertThat(client.v1().prices().retrieve(first.getId()).getLookupKey()).isNull();
  }

  @Test
  void archivingAPriceEmitsPriceUpdated() throws Exception {
    StripeClient client = Clients.fresh(sim, "price_archive");
    Price price = oneTime(client, product(client).getId(), 100);
    Price archived =
        client
            .v1()
            .prices()
            .update(price.getId(), PriceUpdateParams.builder().setActive(false).build());
    assertThat(archived.getActive()).isFalse();
    Event event =
        client
            .v1()
            .events()
            .list(EventListParams.builder().setType("price.updated").build())
            .getData()
            .get(0);
    assertThat(event.getData().getPreviousAttributes()).containsEntry("active", true);
  }

  @Test
  void searchFindsPricesByLookupKey() throws Exception {
    StripeClient client = Clients.fresh(sim, "price_search");
    String product = product(client).getId();
    oneTime(client, product, 100);
    Price keyed =
        client
            .v1()
            .prices()
            .create(
                PriceCreateParams.builder()
                    .setProduct(product)
                    .setCurrency("usd")
                    .setUnitAmount(100L)
                    .setLookupKey("pro")
                    .build());
    assertThat(
            client
                .v1()
                .prices()
                .search(PriceSearchParams.builder().setQuery("lookup_key:'pro'").build())
                .getData())
        .extracting(Price::getId)
        .containsExactly(keyed.getId());
  }

  @Test
  void planWithInlineProductAndCustomId() throws Exception {
    StripeClient client = Clients.fresh(sim, "plan_inline");
    Plan plan =
        client
            .v1()
            .plans()
            .create(
                PlanCreateParams.builder()
                    .setId("gold-monthly")
                    .setAmount(2000L)
                    .setCurrency("usd")
                    .setInterval(PlanCreateParams.Interval.MONTH)
                    .setProduct(PlanCreateParams.Product.builder().setName("Gold").build())
                    .build());
    assertThat(plan.getId()).isEqualTo("gold-monthly");
    assertThat(plan.getAmount()).isEqualTo(2000L);
    assertThat(plan.getIntervalCount()).isEqualTo(1L);
    assertThat(client.v1().products().retrieve(plan.getProduct()).getName()).isEqualTo("Gold");
    assertThat(
            client
                .v1()
                .plans()
                .list(PlanListParams.builder().setProduct(plan.getProduct()).build())
                .getData())
        .extracting(Plan::getId)
        .containsExactly("gold-monthly");
    assertThat(client.v1().plans().delete(plan.getId()).getDeleted()).isTrue();
  }

  @Test
  void taxRateCreateUpdateAndList() throws Exception {
    StripeClient client = Clients.fresh(sim, "txr");
    TaxRate vat =
        client
            .v1()
            .taxRates()
            .create(
                TaxRateCreateParams.builder()
                    .setDisplayName("VAT")
                    .setPercentage(new BigDecimal("19.5"))
                    .setInclusive(true)
                    .setCountry("DE")
                    .build());
    assertThat(vat.getId()).startsWith("txr_");
    assertThat(vat.getPercentage()).isEqualByComparingTo("19.5");
    assertThat(vat.getEffectivePercentage()).isEqualByComparingTo("19.5");
    assertThat(vat.getRateType()).isEqualTo("percentage");
    TaxRate archived =
        client
            .v1()
            .taxRates()
            .update(vat.getId(), TaxRateUpdateParams.builder().setActive(false).build());
    assertThat(archived.getActive()).isFalse();
    assertThat(
            client
                .v1()
                .taxRates()
                .list(TaxRateListParams.builder().setActive(true).build())
                .getData())
        .isEmpty();
    assertThat(
            client
                .v1()
                .taxRates()
                .list(TaxRateListParams.builder().setInclusive(true).build())
                .getData())
        .extracting(TaxRate::getId)
        .containsExactly(vat.getId());
  }

  @Test
  void taxRateNeedsPercentage() {
    StripeClient client = Clients.fresh(sim, "txr_missing");
    assertThatThrownBy(
            () ->
                client
                    .v1()
                    .taxRates()
                    .create(
                        TaxRateCreateParams.builder()
                            .setDisplayName("VAT")
                            .setInclusive(false)
                            .build()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.getParam()).isEqualTo("percentage"));
  }
}
