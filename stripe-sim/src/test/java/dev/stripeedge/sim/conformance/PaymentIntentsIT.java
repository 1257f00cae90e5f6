package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.CardException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Charge;
import com.stripe.model.Customer;
import com.stripe.model.PaymentIntent;
import com.stripe.model.StripeCollection;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.PaymentIntentCancelParams;
import com.stripe.param.PaymentIntentCaptureParams;
import com.stripe.param.PaymentIntentConfirmParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.PaymentIntentListParams;
import com.stripe.param.PaymentIntentRetrieveParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PaymentIntentsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient client = Clients.fresh(sim, "payment_intents");

  private static PaymentIntentCreateParams.Builder card(long amount, String paymentMethod) {
    return PaymentIntentCreateParams.builder()
        .setAmount(amount)
        .setCurrency("usd")
        .addPaymentMethodType("card")
        .setPaymentMethod(paymentMethod);
  }

  @Test
  void createWithoutPaymentMethodRequiresOne() throws Exception {
    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .create(
                PaymentIntentCreateParams.builder().setAmount(2000L).setCurrency("usd").build());

    assertThat(pi.getId()).startsWith("pi_");
    assertThat(pi.getStatus()).isEqualTo("requires_payment_method");
    assertThat(pi.getClientSecret()).startsWith(pi.getId() + "_secret_");
    assertThat(pi.getCaptureMethod()).isEqualTo("automatic_async");
    assertThat(pi.getAutomaticPaymentMethods().getEnabled()).isTrue();
    assertThat(pi.getLatestCharge()).isNull();
  }

  @Test
  void createWithPaymentMethodRequiresConfirmation() throws Exception {
    PaymentIntent pi = client.v1().paymentIntents().create(card(2000, "pm_card_visa").build());

    assertThat(pi.getStatus()).isEqualTo("requires_confirmation");
    assertThat(pi.getPaymentMethod()).startsWith("pm_").isNotEqualTo("pm_card_visa");
  }

  @Test
  void confirmWithVisaSucceedsAndCharges() throws Exception {
    PaymentIntent pi =
        client.v1().paymentIntents().create(card(2000, "pm_card_visa").setConfirm(true).build());

    assertThat(pi.getStatus()).isEqualTo("succeeded");
    assertThat(pi.getAmountReceived()).isEqualTo(2000L);
    assertThat(pi.getLatestCharge()).startsWith("ch_");
    Charge charge = client.v1().charges().retrieve(pi.getLatestCharge());
    assertThat(charge.getPaymentIntent()).isEqualTo(pi.getId());
    assertThat(charge.getCaptured()).isTrue();
    assertThat(charge.getStatus()).isEqualTo("succeeded");
    assertThat(charge.getPaymentMethodDetails().getCard().getLast4()).isEqualTo("4242");
    assertThat(charge.getOutcome().getType()).isEqualTo("authorized");
  }

  @Test
  void confirmEndpointMovesRequiresConfirmationToSucceeded() throws Exception {
    PaymentIntent created =
        client.v1().paymentIntents().create(card(1500, "pm_card_mastercard").build());

    PaymentIntent pi = client.v1().paymentIntents().confirm(created.getId());

    assertThat(pi.getStatus()).isEqualTo("succeeded");
    assertThat(pi.getLatestCharge()).startsWith("ch_");
  }

  @Test
  void declineIsCardExceptionAndPaymentIntentNeedsNewPaymentMethod() throws Exception {
    PaymentIntent created =
        client
            .v1()
            .paymentIntents()
            .create(card(2000, "pm_card_chargeDeclinedInsufficientFunds").build());

    CardException e =
        catchThrowableOfType(
            CardException.class, () -> client.v1().paymentIntents().confirm(created.getId()));

    assertThat(e.getStatusCode()).isEqualTo(402);
    assertThat(e.getCode()).isEqualTo("card_declined");
    assertThat(e.getDeclineCode()).isEqualTo("insufficient_funds");
    assertThat(e.getCharge()).startsWith("ch_");
    assertThat(e.getStripeError().getPaymentIntent().getId()).isEqualTo(created.getId());
    PaymentIntent pi = client.v1().paymentIntents().retrieve(created.getId());
    assertThat(pi.getStatus()).isEqualTo("requires_payment_method");
    assertThat(pi.getLastPaymentError().getDeclineCode()).isEqualTo("insufficient_funds");
    assertThat(pi.getLastPaymentError().getPaymentMethod().getCard().getLast4()).isEqualTo("9995");
    assertThat(pi.getLatestCharge()).isEqualTo(e.getCharge());
    assertThat(client.v1().charges().retrieve(e.getCharge()).getStatus()).isEqualTo("failed");
  }

  @Test
  void declinedPaymentIntentCanBeRetriedWithAnotherCard() throws Exception {
    PaymentIntent created =
        client.v1().paymentIntents().create(card(2000, "pm_card_chargeDeclined").build());
    catchThrowableOfType(
        CardException.class, () -> client.v1().paymentIntents().confirm(created.getId()));

    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .confirm(
                created.getId(),
                PaymentIntentConfirmParams.builder().setPaymentMethod("pm_card_visa").build());

    assertThat(pi.getStatus()).isEqualTo("succeeded");
    assertThat(pi.getLastPaymentError()).isNull();
  }

  @Test
  void manualCaptureWaitsForCapture() throws Exception {
    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .create(
                card(3000, "pm_card_visa")
                    .setCaptureMethod(PaymentIntentCreateParams.CaptureMethod.MANUAL)
                    .setConfirm(true)
                    .build());

    assertThat(pi.getStatus()).isEqualTo("requires_capture");
    assertThat(pi.getAmountCapturable()).isEqualTo(3000L);
    assertThat(pi.getAmountReceived()).isZero();
    assertThat(client.v1().charges().retrieve(pi.getLatestCharge()).getCaptured()).isFalse();
  }

  @Test
  void partialCaptureSucceedsForTheCapturedAmount() throws Exception {
    PaymentIntent authorized =
        client
            .v1()
            .paymentIntents()
            .create(
                card(3000, "pm_card_visa")
                    .setCaptureMethod(PaymentIntentCreateParams.CaptureMethod.MANUAL)
                    .setConfirm(true)
                    .build());

    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .capture(
                authorized.getId(),
                PaymentIntentCaptureParams.builder().setAmountToCapture(1200L).build());

    assertThat(pi.getStatus()).isEqualTo("succeeded");
    assertThat(pi.getAmountReceived()).isEqualTo(1200L);
    assertThat(pi.getAmountCapturable()).isZero();
    Charge charge = client.v1().charges().retrieve(pi.getLatestCharge());
    assertThat(charge.getCaptured()).isTrue();
    assertThat(charge.getAmountCaptured()).isEqualTo(1200L);
  }

  @Test
  void cancelRecordsReason() throws Exception {
    PaymentIntent created = client.v1().paymentIntents().create(card(2000, "pm_card_visa").build());

    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .cancel(
                created.getId(),
                PaymentIntentCancelParams.builder()
                    .setCancellationReason(
                        PaymentIntentCancelParams.CancellationReason.REQUESTED_BY_CUSTOMER)
                    .build());

    assertThat(pi.getStatus()).isEqualTo("canceled");
    assertThat(pi.getCancellationReason()).isEqualTo("requested_by_customer");
    assertThat(pi.getCanceledAt()).isPositive();
  }

  @Test
  void cancelingSucceededIsUnexpectedState() throws Exception {
    PaymentIntent pi =
        client.v1().paymentIntents().create(card(2000, "pm_card_visa").setConfirm(true).build());

    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class, () -> client.v1().paymentIntents().cancel(pi.getId()));

    assertThat(e.getStatusCode()).isEqualTo(400);
    assertThat(e.getCode()).isEqualTo("payment_intent_unexpected_state");
    assertThat(e.getMessage()).contains("because it has a status of succeeded");
    assertThat(e.getStripeError().getPaymentIntent().getStatus()).isEqualTo("succeeded");
  }

  @Test
  void capturingAutomaticPaymentIntentIsUnexpectedState() throws Exception {
    PaymentIntent pi =
        client.v1().paymentIntents().create(card(2000, "pm_card_visa").setConfirm(true).build());

    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class, () -> client.v1().paymentIntents().capture(pi.getId()));

    assertThat(e.getCode()).isEqualTo("payment_intent_unexpected_state");
  }

  @Test
  void confirmingWithoutPaymentMethodIsUnexpectedState() throws Exception {
    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .create(
                PaymentIntentCreateParams.builder()
                    .setAmount(2000L)
                    .setCurrency("usd")
                    .addPaymentMethodType("card")
                    .build());

    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class, () -> client.v1().paymentIntents().confirm(pi.getId()));

    assertThat(e.getCode()).isEqualTo("payment_intent_unexpected_state");
    assertThat(e.getMessage()).contains("missing a payment method");
  }

  @Test
  void threeDSecureCardRequiresAction() throws Exception {
    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .create(card(2000, "pm_card_threeDSecure2Required").setConfirm(true).build());

    assertThat(pi.getStatus()).isEqualTo("requires_action");
    assertThat(pi.getNextAction().getType()).isEqualTo("use_stripe_sdk");
    assertThat(pi.getLatestCharge()).isNull();
  }

  @Test
  void threeDSecureWithReturnUrlRedirects() throws Exception {
    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .create(
                card(2000, "pm_card_authenticationRequired")
                    .setConfirm(true)
                    .setReturnUrl("https://example.com/back")
                    .build());

    assertThat(pi.getNextAction().getType()).isEqualTo("redirect_to_url");
    assertThat(pi.getNextAction().getRedirectToUrl().getReturnUrl())
        .isEqualTo("https://example.com/back");
  }

  @Test
  void authenticationRequiredOffSessionIsDeclined() throws Exception {
    CardException e =
        catchThrowableOfType(
            CardException.class,
            () ->
                client
                    .v1()
                    .paymentIntents()
                    .create(
                        card(2000, "pm_card_authenticationRequired")
                            .setConfirm(true)
                            .setOffSession(true)
                            .build()));

    assertThat(e.getDeclineCode()).isEqualTo("authentication_required");
  }

  @Test
  void automaticPaymentMethodsNeedReturnUrlToConfirm() throws Exception {
    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class,
            () ->
                client
                    .v1()
                    .paymentIntents()
                    .create(
                        PaymentIntentCreateParams.builder()
                            .setAmount(2000L)
                            .setCurrency("usd")
                            .setPaymentMethod("pm_card_visa")
                            .setConfirm(true)
                            .build()));

    assertThat(e.getParam()).isEqualTo("return_url");
  }

  @Test
  void expandLatestChargeAndCustomer() throws Exception {
    Customer customer =
        client.v1().customers().create(CustomerCreateParams.builder().setEmail("a@b.c").build());
    PaymentIntent created =
        client
            .v1()
            .paymentIntents()
            .create(
                card(2000, "pm_card_visa").setCustomer(customer.getId()).setConfirm(true).build());

    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .retrieve(
                created.getId(),
                PaymentIntentRetrieveParams.builder()
                    .addExpand("latest_charge")
                    .addExpand("customer")
                    .build());

    assertThat(pi.getLatestChargeObject().getAmount()).isEqualTo(2000L);
    assertThat(pi.getLatestChargeObject().getCustomer()).isEqualTo(customer.getId());
    assertThat(pi.getCustomerObject().getEmail()).isEqualTo("a@b.c");
  }

  @Test
  void listFiltersByCustomerAndPages() throws Exception {
    Customer customer = client.v1().customers().create(CustomerCreateParams.builder().build());
    for (int i = 0; i < 3; i++) {
      client
          .v1()
          .paymentIntents()
          .create(card(1000 + i, "pm_card_visa").setCustomer(customer.getId()).build());
    }
    client.v1().paymentIntents().create(card(5000, "pm_card_visa").build());

    StripeCollection<PaymentIntent> page =
        client
            .v1()
            .paymentIntents()
            .list(
                PaymentIntentListParams.builder()
                    .setCustomer(customer.getId())
                    .setLimit(2L)
                    .build());
    StripeCollection<PaymentIntent> next =
        client
            .v1()
            .paymentIntents()
            .list(
                PaymentIntentListParams.builder()
                    .setCustomer(customer.getId())
                    .setLimit(2L)
                    .setStartingAfter(page.getData().get(1).getId())
                    .build());

    assertThat(page.getData()).extracting(PaymentIntent::getAmount).containsExactly(1002L, 1001L);
    assertThat(page.getHasMore()).isTrue();
    assertThat(next.getData()).extracting(PaymentIntent::getAmount).containsExactly(1000L);
    assertThat(next.getHasMore()).isFalse();
  }

  @Test
  void updateChangesAmountBeforeConfirmation() throws Exception {
    PaymentIntent created = client.v1().paymentIntents().create(card(2000, "pm_card_visa").build());

    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .update(
                created.getId(),
                com.stripe.param.PaymentIntentUpdateParams.builder()
                    .setAmount(2500L)
                    .putMetadata("order", "42")
                    .build());

    assertThat(pi.getAmount()).isEqualTo(2500L);
    assertThat(pi.getMetadata()).containsEntry("order", "42");
  }

  @Test
  void updatingAmountAfterSuccessIsUnexpectedState() throws Exception {
    PaymentIntent pi =
        client.v1().paymentIntents().create(card(2000, "pm_card_visa").setConfirm(true).build());

    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class,
            () ->
                client
                    .v1()
                    .paymentIntents()
                    .update(
                        pi.getId(),
                        com.stripe.param.PaymentIntentUpdateParams.builder()
                            .setAmount(2500L)
                            .build()));

    assertThat(e.getCode()).isEqualTo("payment_intent_unexpected_state");
  }

  @Test
  void searchByStatus() throws Exception {
    client.v1().paymentIntents().create(card(2000, "pm_card_visa").setConfirm(true).build());
    client.v1().paymentIntents().create(card(3000, "pm_card_visa").build());

    var result =
        client
            .v1()
            .paymentIntents()
            .search(
                com.stripe.param.PaymentIntentSearchParams.builder()
                    .setQuery("status:'succeeded'")
                    .build());

    assertThat(result.getData()).extracting(PaymentIntent::getAmount).containsExactly(2000L);
  }
}
