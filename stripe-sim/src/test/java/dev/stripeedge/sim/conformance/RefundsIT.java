package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Charge;
import com.stripe.model.PaymentIntent;
import com.stripe.model.Refund;
import com.stripe.param.ChargeCreateParams;
import com.stripe.param.ChargeRetrieveParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.RefundCreateParams;
import com.stripe.param.RefundListParams;
import com.stripe.param.RefundUpdateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RefundsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient client = Clients.fresh(sim, "refunds");

  private Charge charge(long amount) throws Exception {
    return client
        .v1()
        .charges()
        .create(
            ChargeCreateParams.builder()
                .setAmount(amount)
                .setCurrency("usd")
                .setSource("tok_visa")
                .build());
  }

  private Refund refund(String charge, Long amount) throws Exception {
    return client
        .v1()
        .refunds()
        .create(RefundCreateParams.builder().setCharge(charge).setAmount(amount).build());
  }

  @Test
  void partialThenFullRefund() throws Exception {
    Charge charge = charge(1000);

    Refund first = refund(charge.getId(), 300L);
    Charge partly = client.v1().charges().retrieve(charge.getId());
    Refund rest = refund(charge.getId(), null);
    Charge fully = client.v1().charges().retrieve(charge.getId());

    assertThat(first.getId()).startsWith("re_");
    assertThat(first.getAmount()).isEqualTo(300L);
    assertThat(first.getStatus()).isEqualTo("succeeded");
    assertThat(partly.getAmountRefunded()).isEqualTo(300L);
    assertThat(partly.getRefunded()).isFalse();
    assertThat(rest.getAmount()).isEqualTo(700L);
    assertThat(fully.getAmountRefunded()).isEqualTo(1000L);
    assertThat(fully.getRefunded()).isTrue();
  }

  @Test
  void chargeListsItsRefundsNewestFirst() throws Exception {
    Charge charge = charge(1000);
    Refund first = refund(charge.getId(), 100L);
    Refund second = refund(charge.getId(), 200L);

    Charge refunded =
        client
            .v1()
            .charges()
            .retrieve(charge.getId(), ChargeRetrieveParams.builder().addExpand("refunds").build());

    assertThat(refunded.getRefunds().getData())
        .extracting(Refund::getId)
        .containsExactly(second.getId(), first.getId());
  }

  @Test
  void refundingMoreThanTheChargeIsRejected() throws Exception {
    Charge charge = charge(100);

    InvalidRequestException e =
        catchThrowableOfType(InvalidRequestException.class, () -> refund(charge.getId(), 150L));

    assertThat(e.getStatusCode()).isEqualTo(400);
    assertThat(e.getParam()).isEqualTo("amount");
    assertThat(e.getMessage())
        .contains("Refund amount ($1.50) is greater than charge amount ($1.00)");
  }

  @Test
  void refundingMoreThanWhatIsLeftNamesTheUnrefundedAmount() throws Exception {
    Charge charge = charge(1000);
    refund(charge.getId(), 600L);

    InvalidRequestException e =
        catchThrowableOfType(InvalidRequestException.class, () -> refund(charge.getId(), 500L));

    assertThat(e.getMessage())
        .contains("Refund amount ($5.00) is greater than unrefunded amount on charge ($4.00)");
  }

  @Test
  void refundingARefundedChargeIsAlreadyRefunded() throws Exception {
    Charge charge = charge(1000);
    refund(charge.getId(), null);

    InvalidRequestException e =
        catchThrowableOfType(InvalidRequestException.class, () -> refund(charge.getId(), null));

    assertThat(e.getCode()).isEqualTo("charge_already_refunded");
    assertThat(e.getMessage()).contains("Charge " + charge.getId() + " has already been refunded.");
  }

  @Test
  void refundByPaymentIntentUsesItsLatestCharge() throws Exception {
    PaymentIntent pi =
        client
            .v1()
            .paymentIntents()
            .create(
                PaymentIntentCreateParams.builder()
                    .setAmount(2000L)
                    .setCurrency("usd")
                    .addPaymentMethodType("card")
                    .setPaymentMethod("pm_card_visa")
                    .setConfirm(true)
                    .build());

    Refund refund =
        client
            .v1()
            .refunds()
            .create(RefundCreateParams.builder().setPaymentIntent(pi.getId()).build());

    assertThat(refund.getCharge()).isEqualTo(pi.getLatestCharge());
    assertThat(refund.getPaymentIntent()).isEqualTo(pi.getId());
    assertThat(refund.getAmount()).isEqualTo(2000L);
  }

  @Test
  void updateSetsMetadata() throws Exception {
    Refund refund = refund(charge(1000).getId(), 100L);

    Refund updated =
        client
            .v1()
            .refunds()
            .update(refund.getId(), RefundUpdateParams.builder().putMetadata("k", "v").build());

    assertThat(updated.getMetadata()).containsEntry("k", "v");
  }

  @Test
  void listFiltersByCharge() throws Exception {
    Charge charge = charge(1000);
    refund(charge.getId(), 100L);
    refund(charge(500).getId(), 100L);

    var refunds =
        client.v1().refunds().list(RefundListParams.builder().setCharge(charge.getId()).build());

    assertThat(refunds.getData())
        .singleElement()
        .extracting(Refund::getCharge)
        .isEqualTo(charge.getId());
  }
}
