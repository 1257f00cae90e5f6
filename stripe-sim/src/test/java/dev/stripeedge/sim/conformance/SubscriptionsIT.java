package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Customer;
import com.stripe.model.Event;
import com.stripe.model.Invoice;
import com.stripe.model.Price;
import com.stripe.model.Subscription;
import com.stripe.model.SubscriptionItem;
import com.stripe.model.TaxRate;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.EventListParams;
import com.stripe.param.PriceCreateParams;
import com.stripe.param.SubscriptionCreateParams;
import com.stripe.param.SubscriptionItemCreateParams;
import com.stripe.param.SubscriptionItemListParams;
import com.stripe.param.SubscriptionListParams;
import com.stripe.param.SubscriptionRetrieveParams;
import com.stripe.param.SubscriptionSearchParams;
import com.stripe.param.SubscriptionUpdateParams;
import com.stripe.param.TaxRateCreateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SubscriptionsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static Customer customer(StripeClient client) throws Exception {
    return client.v1().customers().create(CustomerCreateParams.builder().setName("Ada").build());
  }

  private static Price monthly(StripeClient client, long amount) throws Exception {
    return client
        .v1()
        .prices()
        .create(
            PriceCreateParams.builder()
                .setCurrency("usd")
                .setUnitAmount(amount)
                .setRecurring(
                    PriceCreateParams.Recurring.builder()
                        .setInterval(PriceCreateParams.Recurring.Interval.MONTH)
                        .build())
                .setProductData(PriceCreateParams.ProductData.builder().setName("Gold").build())
                .build());
  }

  /** Create parameters for a new customer on a new 10.00 a month price. */
  private static SubscriptionCreateParams.Builder newCustomerOnMonthly(StripeClient client)
      throws Exception {
    return SubscriptionCreateParams.builder()
        .setCustomer(customer(client).getId())
        .addItem(
            SubscriptionCreateParams.Item.builder()
                .setPrice(monthly(client, 1000).getId())
                .build());
  }

  private static Subscription subscribe(StripeClient client, String customer, String price)
      throws Exception {
    return client
        .v1()
        .subscriptions()
        .create(
            SubscriptionCreateParams.builder()
                .setCustomer(customer)
                .addItem(
                    SubscriptionCreateParams.Item.builder().setPrice(price).setQuantity(2L).build())
                .build());
  }

  @Test
  void createStartsActiveWithItemPeriodsAndAPaidInvoice() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_create");
    Customer customer = customer(client);
    Price price = monthly(client, 1000);
    Subscription sub = subscribe(client, customer.getId(), price.getId());
    assertThat(sub.getId()).startsWith("sub_");
    assertThat(sub.getStatus()).isEqualTo("active");
    assertThat(sub.getCustomer()).isEqualTo(customer.getId());
    assertThat(sub.getCurrency()).isEqualTo("usd");
    SubscriptionItem item = sub.getItems().getData().get(0);
    assertThat(item.getPrice().getId()).isEqualTo(price.getId());
    assertThat(item.getPlan().getAmount()).isEqualTo(1000L);
    assertThat(item.getQuantity()).isEqualTo(2L);
    assertThat(item.getSubscription()).isEqualTo(sub.getId());
    assertThat(item.getCurrentPeriodEnd() - item.getCurrentPeriodStart())
        .isBetween(28L * 86_400, 31L * 86_400);
    Invoice invoice = client.v1().invoices().retrieve(sub.getLatestInvoice());
    assertThat(invoice.getStatus()).isEqualTo("paid");
    assertThat(invoice.getAmountPaid()).isEqualTo(2000L);
    assertThat(invoice.getBillingReason()).isEqualTo("subscription_create");
    assertThat(invoice.getParent().getSubscriptionDetails().getSubscription())
        .isEqualTo(sub.getId());
    assertThat(invoice.getLines().getData().get(0).getDescription())
        .isEqualTo("2 × Gold (at $10.00 / month)");
    assertThat(invoice.getNumber()).endsWith("-0001");
  }

  @Test
  void createEmitsSubscriptionAndInvoiceEvents() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_events");
    subscribe(client, customer(client).getId(), monthly(client, 1000).getId());
    List<String> types =
        client
            .v1()
            .events()
            .list(EventListParams.builder().setLimit(20L).build())
            .getData()
            .stream()
            .map(Event::getType)
            .toList();
    assertThat(types)
        .containsSubsequence(
            "invoice.payment_succeeded",
            "invoice.paid",
            "invoice.finalized",
            "invoice.created",
            "customer.subscription.created");
  }

  @Test
  void defaultIncompleteLeavesAnOpenInvoiceUntilPaid() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_incomplete");
    Subscription sub =
        client
            .v1()
            .subscriptions()
            .create(
                newCustomerOnMonthly(client)
                    .setPaymentBehavior(SubscriptionCreateParams.PaymentBehavior.DEFAULT_INCOMPLETE)
                    .build());
    assertThat(sub.getStatus()).isEqualTo("incomplete");
    assertThat(client.v1().invoices().retrieve(sub.getLatestInvoice()).getStatus())
        .isEqualTo("open");
    client.v1().invoices().pay(sub.getLatestInvoice());
    assertThat(client.v1().subscriptions().retrieve(sub.getId()).getStatus()).isEqualTo("active");
  }

  @Test
  void trialStartsTrialingWithAZeroInvoice() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_trial");
    Subscription sub =
        client
            .v1()
            .subscriptions()
            .create(newCustomerOnMonthly(client).setTrialPeriodDays(7L).build());
    assertThat(sub.getStatus()).isEqualTo("trialing");
    assertThat(sub.getTrialEnd() - sub.getTrialStart()).isEqualTo(7L * 86_400);
    Invoice invoice = client.v1().invoices().retrieve(sub.getLatestInvoice());
    assertThat(invoice.getTotal()).isZero();
    assertThat(invoice.getStatus()).isEqualTo("paid");
  }

  @Test
  void oneTimePricesAreRefused() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_one_time");
    Price once =
        client
            .v1()
            .prices()
            .create(
                PriceCreateParams.builder()
                    .setCurrency("usd")
                    .setUnitAmount(500L)
                    .setProductData(PriceCreateParams.ProductData.builder().setName("Once").build())
                    .build());
    Customer customer = customer(client);
    assertThatThrownBy(() -> subscribe(client, customer.getId(), once.getId()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> assertThat(e.getParam()).isEqualTo("items[0][price]"));
  }

  @Test
  void defaultTaxRatesAreEmbedded() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_tax");
    TaxRate vat =
        client
            .v1()
            .taxRates()
            .create(
                TaxRateCreateParams.builder()
                    .setDisplayName("VAT")
                    .setPercentage(new BigDecimal("20"))
                    .setInclusive(false)
                    .build());
    Subscription sub =
        client
            .v1()
            .subscriptions()
            .create(newCustomerOnMonthly(client).addDefaultTaxRate(vat.getId()).build());
    assertThat(sub.getDefaultTaxRates()).extracting(TaxRate::getId).containsExactly(vat.getId());
  }

  @Test
  void updateChangesQuantityAndMetadataAndEmitsUpdated() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_update");
    Subscription sub = subscribe(client, customer(client).getId(), monthly(client, 1000).getId());
    String itemId = sub.getItems().getData().get(0).getId();
    Subscription updated =
        client
            .v1()
            .subscriptions()
            .update(
                sub.getId(),
                SubscriptionUpdateParams.builder()
                    .addItem(
                        SubscriptionUpdateParams.Item.builder()
                            .setId(itemId)
                            .setQuantity(5L)
                            .build())
                    .putMetadata("plan", "team")
                    .setProrationBehavior(SubscriptionUpdateParams.ProrationBehavior.NONE)
                    .build());
    assertThat(updated.getItems().getData().get(0).getQuantity()).isEqualTo(5L);
    assertThat(updated.getMetadata()).containsEntry("plan", "team");
    Event event =
        client
            .v1()
            .events()
            .list(EventListParams.builder().setType("customer.subscription.updated").build())
            .getData()
            .get(0);
    assertThat(event.getData().getPreviousAttributes()).containsKeys("items", "metadata");
  }

  @Test
  void cancelAtPeriodEndSetsCancelAt() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_period_end");
    Subscription sub = subscribe(client, customer(client).getId(), monthly(client, 1000).getId());
    Subscription updated =
        client
            .v1()
            .subscriptions()
            .update(
                sub.getId(), SubscriptionUpdateParams.builder().setCancelAtPeriodEnd(true).build());
    assertThat(updated.getCancelAtPeriodEnd()).isTrue();
    assertThat(updated.getCancelAt())
        .isEqualTo(sub.getItems().getData().get(0).getCurrentPeriodEnd());
    assertThat(updated.getStatus()).isEqualTo("active");
  }

  @Test
  void cancelEndsTheSubscriptionAndEmitsDeleted() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_cancel");
    Subscription sub = subscribe(client, customer(client).getId(), monthly(client, 1000).getId());
    Subscription canceled = client.v1().subscriptions().cancel(sub.getId());
    assertThat(canceled.getStatus()).isEqualTo("canceled");
    assertThat(canceled.getCanceledAt()).isNotNull();
    assertThat(canceled.getEndedAt()).isNotNull();
    assertThat(canceled.getCancellationDetails().getReason()).isEqualTo("cancellation_requested");
    assertThat(
            client
                .v1()
                .events()
                .list(EventListParams.builder().setType("customer.subscription.deleted").build())
                .getData())
        .hasSize(1);
  }

  @Test
  void deletingTheCustomerCancelsItsSubscriptionsAtOnce() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_customer_deleted");
    Customer customer = customer(client);
    Subscription sub = subscribe(client, customer.getId(), monthly(client, 1000).getId());

    client.v1().customers().delete(customer.getId());

    Subscription after = client.v1().subscriptions().retrieve(sub.getId());
    assertThat(after.getStatus()).isEqualTo("canceled");
    assertThat(after.getEndedAt()).isNotNull();
  }

  @Test
  void listHidesCanceledUnlessAskedAndFiltersByPrice() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_list");
    String customer = customer(client).getId();
    Price gold = monthly(client, 1000);
    Price silver = monthly(client, 500);
    Subscription a = subscribe(client, customer, gold.getId());
    Subscription b = subscribe(client, customer, silver.getId());
    client.v1().subscriptions().cancel(a.getId());
    assertThat(client.v1().subscriptions().list(SubscriptionListParams.builder().build()).getData())
        .extracting(Subscription::getId)
        .containsExactly(b.getId());
    assertThat(
            client
                .v1()
                .subscriptions()
                .list(
                    SubscriptionListParams.builder()
                        .setStatus(SubscriptionListParams.Status.ALL)
                        .build())
                .getData())
        .extracting(Subscription::getId)
        .containsExactly(b.getId(), a.getId());
    assertThat(
            client
                .v1()
                .subscriptions()
                .list(
                    SubscriptionListParams.builder()
                        .setPrice(silver.getId())
                        .setCustomer(customer)
                        .build())
                .getData())
        .extracting(Subscription::getId)
        .containsExactly(b.getId());
  }

  @Test
  void searchByStatus() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_search");
    String customer = customer(client).getId();
    Subscription a = subscribe(client, customer, monthly(client, 1000).getId());
    Subscription b = subscribe(client, customer, monthly(client, 1000).getId());
    client.v1().subscriptions().cancel(a.getId());
    assertThat(
            client
                .v1()
                .subscriptions()
                .search(SubscriptionSearchParams.builder().setQuery("status:'active'").build())
                .getData())
        .extracting(Subscription::getId)
        .containsExactly(b.getId());
  }

  @Test
  void latestInvoiceExpands() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_expand");
    Subscription sub = subscribe(client, customer(client).getId(), monthly(client, 1000).getId());
    Subscription expanded =
        client
            .v1()
            .subscriptions()
            .retrieve(
                sub.getId(),
                SubscriptionRetrieveParams.builder().addExpand("latest_invoice").build());
    assertThat(expanded.getLatestInvoiceObject().getTotal()).isEqualTo(2000L);
  }

  @Test
  void subscriptionItemsAddListAndDelete() throws Exception {
    StripeClient client = Clients.fresh(sim, "si_crud");
    Subscription sub = subscribe(client, customer(client).getId(), monthly(client, 1000).getId());
    SubscriptionItem added =
        client
            .v1()
            .subscriptionItems()
            .create(
                SubscriptionItemCreateParams.builder()
                    .setSubscription(sub.getId())
                    .setPrice(monthly(client, 300).getId())
                    .build());
    assertThat(added.getQuantity()).isEqualTo(1L);
    assertThat(added.getCurrentPeriodEnd())
        .isEqualTo(sub.getItems().getData().get(0).getCurrentPeriodEnd());
    assertThat(
            client
                .v1()
                .subscriptionItems()
                .list(SubscriptionItemListParams.builder().setSubscription(sub.getId()).build())
                .getData())
        .hasSize(2);
    assertThat(client.v1().subscriptionItems().delete(added.getId()).getDeleted()).isTrue();
    assertThat(client.v1().subscriptions().retrieve(sub.getId()).getItems().getData()).hasSize(1);
  }

  @Test
  void updateCanSwapTheOnlyItemForAnother() throws Exception {
    StripeClient client = Clients.fresh(sim, "sub_swap");
    Subscription sub = subscribe(client, customer(client).getId(), monthly(client, 1000).getId());
    Price silver = monthly(client, 500);
    Subscription swapped =
        client
            .v1()
            .subscriptions()
            .update(
                sub.getId(),
                SubscriptionUpdateParams.builder()
                    .addItem(
                        SubscriptionUpdateParams.Item.builder()
                            .setId(sub.getItems().getData().get(0).getId())
                            .setDeleted(true)
                            .build())
                    .addItem(
                        SubscriptionUpdateParams.Item.builder().setPrice(silver.getId()).build())
                    .build());
    assertThat(swapped.getItems().getData())
        .extracting(i -> i.getPrice().getId())
        .containsExactly(silver.getId());
  }

  @Test
  void theLastItemCannotBeDeleted() throws Exception {
    StripeClient client = Clients.fresh(sim, "si_last");
    Subscription sub = subscribe(client, customer(client).getId(), monthly(client, 1000).getId());
    String itemId = sub.getItems().getData().get(0).getId();
    assertThatThrownBy(() -> client.v1().subscriptionItems().delete(itemId))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("at least one active plan");
  }
}
