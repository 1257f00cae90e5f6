package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.CardException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Card;
import com.stripe.model.Charge;
import com.stripe.model.Customer;
import com.stripe.model.StripeCollection;
import com.stripe.param.ChargeCaptureParams;
import com.stripe.param.ChargeCreateParams;
import com.stripe.param.ChargeListParams;
import com.stripe.param.ChargeUpdateParams;
import com.stripe.param.CustomerCreateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ChargesIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient client = Clients.fresh(sim, "charges");

  private static ChargeCreateParams.Builder charge(long amount, String source) {
    return ChargeCreateParams.builder().setAmount(amount).setCurrency("usd").setSource(source);
  }

  @Test
  void visaTokenChargeSucceeds() throws Exception {
    Charge charge = client.v1().charges().create(charge(2000, "tok_visa").build());

    assertThat(charge.getId()).startsWith("ch_");
    assertThat(charge.getStatus()).isEqualTo("succeeded");
    assertThat(charge.getPaid()).isTrue();
    assertThat(charge.getCaptured()).isTrue();
    assertThat(charge.getAmountCaptured()).isEqualTo(2000L);
    assertThat(charge.getOutcome().getRiskLevel()).isEqualTo("normal");
    assertThat(((Card) charge.getSource()).getBrand()).isEqualTo("Visa");
    assertThat(charge.getPaymentMethodDetails().getCard().getBrand()).isEqualTo("visa");
  }

  @Test
  void insufficientFundsTokenIsDeclinedAndStoredAsFailed() throws Exception {
    CardException e =
        catchThrowableOfType(
            CardException.class,
            () ->
                client
                    .v1()
                    .charges()
                    .create(charge(2000, "tok_chargeDeclinedInsufficientFunds").build()));

    assertThat(e.getStatusCode()).isEqualTo(402);
    assertThat(e.getCode()).isEqualTo("card_declined");
    assertThat(e.getDeclineCode()).isEqualTo("insufficient_funds");
    assertThat(e.getMessage()).contains("Your card has insufficient funds.");
    Charge failed = client.v1().charges().retrieve(e.getCharge());
    assertThat(failed.getStatus()).isEqualTo("failed");
    assertThat(failed.getPaid()).isFalse();
    assertThat(failed.getFailureCode()).isEqualTo("card_declined");
    assertThat(failed.getOutcome().getType()).isEqualTo("issuer_declined");
  }

  @Test
  void incorrectCvcNamesTheParam() throws Exception {
    CardException e =
        catchThrowableOfType(
            CardException.class,
            () ->
                client
                    .v1()
                    .charges()
                    .create(charge(2000, "tok_chargeDeclinedIncorrectCvc").build()));

    assertThat(e.getCode()).isEqualTo("incorrect_cvc");
    assertThat(e.getParam()).isEqualTo("cvc");
  }

  @Test
  void amountBelowMinimumIsRejected() throws Exception {
    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> client.v1().charges().create(charge(10, "tok_visa").build()));

    assertThat(e.getCode()).isEqualTo("amount_too_small");
    assertThat(e.getParam()).isEqualTo("amount");
  }

  @Test
  void customerIsChargedOnItsDefaultSource() throws Exception {
    Customer customer =
        client
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().setSource("tok_mastercard").build());

    Charge charge =
        client
            .v1()
            .charges()
            .create(
                ChargeCreateParams.builder()
                    .setAmount(700L)
                    .setCurrency("usd")
                    .setCustomer(customer.getId())
                    .build());

    assertThat(charge.getCustomer()).isEqualTo(customer.getId());
    assertThat(charge.getPaymentMethod()).isEqualTo(customer.getDefaultSource());
    assertThat(charge.getPaymentMethodDetails().getCard().getLast4()).isEqualTo("4444");
  }

  @Test
  void customerWithoutCardCannotBeCharged() throws Exception {
    Customer customer = client.v1().customers().create(CustomerCreateParams.builder().build());

    CardException e =
        catchThrowableOfType(
            CardException.class,
            () ->
                client
                    .v1()
                    .charges()
                    .create(
                        ChargeCreateParams.builder()
                            .setAmount(700L)
                            .setCurrency("usd")
                            .setCustomer(customer.getId())
                            .build()));

    assertThat(e.getCode()).isEqualTo("missing");
  }

  @Test
  void uncapturedChargeCapturesLater() throws Exception {
    Charge authorized =
        client.v1().charges().create(charge(2000, "tok_visa").setCapture(false).build());

    Charge captured =
        client
            .v1()
            .charges()
            .capture(authorized.getId(), ChargeCaptureParams.builder().setAmount(1500L).build());

    assertThat(authorized.getCaptured()).isFalse();
    assertThat(captured.getCaptured()).isTrue();
    assertThat(captured.getAmountCaptured()).isEqualTo(1500L);
  }

  @Test
  void capturingTwiceIsAlreadyCaptured() throws Exception {
    Charge charge = client.v1().charges().create(charge(2000, "tok_visa").build());

    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class, () -> client.v1().charges().capture(charge.getId()));

    assertThat(e.getCode()).isEqualTo("charge_already_captured");
  }

  @Test
  void updateChangesDescriptionAndMetadata() throws Exception {
    Charge charge = client.v1().charges().create(charge(2000, "tok_visa").build());

    Charge updated =
        client
            .v1()
            .charges()
            .update(
                charge.getId(),
                ChargeUpdateParams.builder()
                    .setDescription("order 7")
                    .putMetadata("order", "7")
                    .build());

    assertThat(updated.getDescription()).isEqualTo("order 7");
    assertThat(updated.getMetadata()).containsEntry("order", "7");
  }

  @Test
  void listFiltersByCustomer() throws Exception {
    Customer customer =
        client
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().setSource("tok_visa").build());
    client
        .v1()
        .charges()
        .create(
            ChargeCreateParams.builder()
                .setAmount(900L)
                .setCurrency("usd")
                .setCustomer(customer.getId())
                .build());
    client.v1().charges().create(charge(2000, "tok_visa").build());

    StripeCollection<Charge> charges =
        client
            .v1()
            .charges()
            .list(ChargeListParams.builder().setCustomer(customer.getId()).build());

    assertThat(charges.getData()).extracting(Charge::getAmount).containsExactly(900L);
  }

  @Test
  void retrievingUnknownChargeIsResourceMissing() throws Exception {
    InvalidRequestException e =
        catchThrowableOfType(
            InvalidRequestException.class, () -> client.v1().charges().retrieve("ch_nope"));

    assertThat(e.getStatusCode()).isEqualTo(404);
    assertThat(e.getCode()).isEqualTo("resource_missing");
  }
}
