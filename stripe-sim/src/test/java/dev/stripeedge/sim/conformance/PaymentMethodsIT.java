package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.CardException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Customer;
import com.stripe.model.PaymentMethod;
import com.stripe.model.StripeCollection;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.PaymentMethodAttachParams;
import com.stripe.param.PaymentMethodCreateParams;
import com.stripe.param.PaymentMethodListParams;
import com.stripe.param.PaymentMethodUpdateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PaymentMethodsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient client = Clients.fresh(sim, "payment_methods");

  private Customer customer() throws Exception {
    return client.v1().customers().create(CustomerCreateParams.builder().build());
  }

  private PaymentMethod attach(String pm, String customer) throws Exception {
    return client
        .v1()
        .paymentMethods()
        .attach(pm, PaymentMethodAttachParams.builder().setCustomer(customer).build());
  }

  @Test
  void createFromCardNumber() throws Exception {
    PaymentMethod pm =
        client
            .v1()
            .paymentMethods()
            .create(
                PaymentMethodCreateParams.builder()
                    .setType(PaymentMethodCreateParams.Type.CARD)
                    .setCard(
                        PaymentMethodCreateParams.CardDetails.builder()
                            .setNumber("5555555555554444")
                            .setExpMonth(4L)
                            .setExpYear(2031L)
                            .setCvc("123")
                            .build())
                    .build());

    assertThat(pm.getId()).startsWith("pm_");
    assertThat(pm.getType()).isEqualTo("card");
    assertThat(pm.getCard().getBrand()).isEqualTo("mastercard");
    assertThat(pm.getCard().getLast4()).isEqualTo("4444");
    assertThat(pm.getCard().getExpYear()).isEqualTo(2031L);
    assertThat(pm.getCustomer()).isNull();
  }

  @Test
  void badCardNumberIsIncorrectNumber() throws Exception {
    CardException e =
        catchThrowableOfType(
            CardException.class,
            () ->
                client
                    .v1()
                    .paymentMethods()
                    .create(
                        PaymentMethodCreateParams.builder()
                            .setType(PaymentMethodCreateParams.Type.CARD)
                            .setCard(
                                PaymentMethodCreateParams.CardDetails.builder()
                                    .setNumber("4242424242424241")
                                    .setExpMonth(4L)
                                    .setExpYear(2031L)
                                    .build())
                            .build()));

    assertThat(e.getCode()).isEqualTo("incorrect_number");
  }

  @Test
  void magicIdRetrievesAFreshPaymentMethod() throws Exception {
    PaymentMethod pm = client.v1().paymentMethods().retrieve("pm_card_amex");

    assertThat(pm.getId()).startsWith("pm_").isNotEqualTo("pm_card_amex");
    assertThat(pm.getCard().getBrand()).isEqualTo("amex");
  }

  @Test
  void attachThenListByCustomer() throws Exception {
    Customer customer = customer();
    PaymentMethod visa = attach("pm_card_visa", customer.getId());
    PaymentMethod mastercard = attach("pm_card_mastercard", customer.getId());
    attach("pm_card_visa", customer().getId());

    StripeCollection<PaymentMethod> list =
        client
            .v1()
            .paymentMethods()
            .list(
                PaymentMethodListParams.builder()
                    .setCustomer(customer.getId())
                    .setType(PaymentMethodListParams.Type.CARD)
                    .build());

    assertThat(visa.getCustomer()).isEqualTo(customer.getId());
    assertThat(list.getData())
        .extracting(PaymentMethod::getId)
        .containsExactly(mastercard.getId(), visa.getId());
  }

  @Test
  void detachRemovesFromCustomer() throws Exception {
    Customer customer = customer();
    PaymentMethod pm = attach("pm_card_visa", customer.getId());

    PaymentMethod detached = client.v1().paymentMethods().detach(pm.getId());
    StripeCollection<PaymentMethod> list =
        client
            .v1()
            .paymentMethods()
            .list(PaymentMethodListParams.builder().setCustomer(customer.getId()).build());

    assertThat(detached.getCustomer()).isNull();
    assertThat(list.getData()).isEmpty();
  }

  @Test
  void detachingUnattachedIsRejected() throws Exception {
    PaymentMethod pm = client.v1().paymentMethods().retrieve("pm_card_visa");

    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class, () -> client.v1().paymentMethods().detach(pm.getId()));

    assertThat(e.getStatusCode()).isEqualTo(400);
  }

  @Test
  void attachingDecliningCardFails() throws Exception {
    Customer customer = customer();

    CardException e =
        catchThrowableOfType(
            CardException.class, () -> attach("pm_card_chargeDeclined", customer.getId()));

    assertThat(e.getDeclineCode()).isEqualTo("generic_decline");
  }

  @Test
  void listWithoutCustomerIsMissingParam() throws Exception {
    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> client.v1().paymentMethods().list(PaymentMethodListParams.builder().build()));

    assertThat(e.getCode()).isEqualTo("parameter_missing");
    assertThat(e.getParam()).isEqualTo("customer");
  }

  @Test
  void updateChangesMetadataAndBillingName() throws Exception {
    PaymentMethod pm = attach("pm_card_visa", customer().getId());

    PaymentMethod updated =
        client
            .v1()
            .paymentMethods()
            .update(
                pm.getId(),
                PaymentMethodUpdateParams.builder()
                    .putMetadata("k", "v")
                    .setBillingDetails(
                        PaymentMethodUpdateParams.BillingDetails.builder().setName("Ada").build())
                    .build());

    assertThat(updated.getMetadata()).containsEntry("k", "v");
    assertThat(updated.getBillingDetails().getName()).isEqualTo("Ada");
  }

  @Test
  void customerCreatedWithPaymentMethodHasItAttached() throws Exception {
    Customer customer =
        client
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().setPaymentMethod("pm_card_visa").build());

    StripeCollection<PaymentMethod> list =
        client
            .v1()
            .paymentMethods()
            .list(PaymentMethodListParams.builder().setCustomer(customer.getId()).build());

    assertThat(list.getData())
        .singleElement()
        .extracting(p -> p.getCard().getLast4())
        .isEqualTo("4242");
  }

  @Test
  void customerCreateWithDecliningPaymentMethodCreatesNoCustomer() throws Exception {
    CardException e =
        catchThrowableOfType(
            CardException.class,
            () ->
                client
                    .v1()
                    .customers()
                    .create(
                        CustomerCreateParams.builder()
                            .setPaymentMethod("pm_card_chargeDeclined")
                            .build()));

    assertThat(e.getCode()).isEqualTo("card_declined");
    assertThat(client.v1().customers().list().getData()).isEmpty();
  }
}
