package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.CardException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Card;
import com.stripe.model.Customer;
import com.stripe.model.PaymentSource;
import com.stripe.model.StripeCollection;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerPaymentSourceCreateParams;
import com.stripe.param.CustomerPaymentSourceListParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CustomerSourcesIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient client = Clients.fresh(sim, "sources");

  private Card addSource(String customer, String token) throws Exception {
    return (Card)
        client
            .v1()
            .customers()
            .paymentSources()
            .create(customer, CustomerPaymentSourceCreateParams.builder().setSource(token).build());
  }

  @Test
  void customerCreatedWithTokenHasDefaultCard() throws Exception {
    Customer customer =
        client
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().setSource("tok_visa").build());

    Card card =
        (Card)
            client
                .v1()
                .customers()
                .paymentSources()
                .retrieve(customer.getId(), customer.getDefaultSource());

    assertThat(customer.getDefaultSource()).startsWith("card_");
    assertThat(card.getBrand()).isEqualTo("Visa");
    assertThat(card.getLast4()).isEqualTo("4242");
    assertThat(card.getCustomer()).isEqualTo(customer.getId());
  }

  @Test
  void firstAddedCardBecomesDefaultSecondDoesNot() throws Exception {
    Customer customer = client.v1().customers().create(CustomerCreateParams.builder().build());

    Card first = addSource(customer.getId(), "tok_amex");
    Card second = addSource(customer.getId(), "tok_mastercard");

    assertThat(first.getBrand()).isEqualTo("American Express");
    assertThat(second.getBrand()).isEqualTo("MasterCard");
    assertThat(client.v1().customers().retrieve(customer.getId()).getDefaultSource())
        .isEqualTo(first.getId());
  }

  @Test
  void listReturnsCustomersCardsNewestFirst() throws Exception {
    Customer customer = client.v1().customers().create(CustomerCreateParams.builder().build());
    Card first = addSource(customer.getId(), "tok_visa");
    Card second = addSource(customer.getId(), "tok_visa_debit");

    StripeCollection<PaymentSource> list =
        client
            .v1()
            .customers()
            .paymentSources()
            .list(
                customer.getId(),
                CustomerPaymentSourceListParams.builder().setObject("card").build());

    assertThat(list.getData())
        .extracting(PaymentSource::getId)
        .containsExactly(second.getId(), first.getId());
  }

  @Test
  void deletingDefaultPromotesNextCard() throws Exception {
    Customer customer = client.v1().customers().create(CustomerCreateParams.builder().build());
    Card first = addSource(customer.getId(), "tok_visa");
    Card second = addSource(customer.getId(), "tok_mastercard");

    Card deleted =
        (Card) client.v1().customers().paymentSources().delete(customer.getId(), first.getId());

    assertThat(deleted.getDeleted()).isTrue();
    assertThat(client.v1().customers().retrieve(customer.getId()).getDefaultSource())
        .isEqualTo(second.getId());
    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class,
            () ->
                client.v1().customers().paymentSources().retrieve(customer.getId(), first.getId()));
    assertThat(e.getCode()).isEqualTo("resource_missing");
  }

  @Test
  void decliningTokenCannotBeAdded() throws Exception {
    Customer customer = client.v1().customers().create(CustomerCreateParams.builder().build());

    CardException e =
        catchThrowableOfType(
            CardException.class, () -> addSource(customer.getId(), "tok_chargeDeclined"));

    assertThat(e.getCode()).isEqualTo("card_declined");
  }

  @Test
  void chargeCustomerFailTokenCanBeAdded() throws Exception {
    Customer customer = client.v1().customers().create(CustomerCreateParams.builder().build());

    Card card = addSource(customer.getId(), "tok_chargeCustomerFail");

    assertThat(card.getLast4()).isEqualTo("0341");
  }
}
