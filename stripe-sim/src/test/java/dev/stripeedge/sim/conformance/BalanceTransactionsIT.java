package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.StripeClient;
import com.stripe.model.BalanceTransaction;
import com.stripe.model.Charge;
import com.stripe.model.Dispute;
import com.stripe.model.Refund;
import com.stripe.param.BalanceTransactionListParams;
import com.stripe.param.ChargeCreateParams;
import com.stripe.param.ChargeRetrieveParams;
import com.stripe.param.RefundCreateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Balance transactions for charges, refunds and chargebacks, read through stripe-java. */
class BalanceTransactionsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient stripe = Clients.fresh(sim, "balance");

  private Charge charge(String source, boolean capture) throws Exception {
    return stripe
        .v1()
        .charges()
        .create(
            ChargeCreateParams.builder()
                .setAmount(10_000L)
                .setCurrency("usd")
                .setSource(source)
                .setCapture(capture)
                .build());
  }

  @Test
  void aCapturedChargeBooksItsAmountLessStripesFee() throws Exception {
    Charge charge = charge("tok_visa", true);

    BalanceTransaction txn =
        stripe.v1().balanceTransactions().retrieve(charge.getBalanceTransaction());

    assertThat(txn.getSource()).isEqualTo(charge.getId());
    assertThat(txn.getType()).isEqualTo("charge");
    assertThat(txn.getAmount()).isEqualTo(10_000L);
    // 2.9% + 30 cents.
    assertThat(txn.getFee()).isEqualTo(320L);
    assertThat(txn.getNet()).isEqualTo(9_680L);
    assertThat(txn.getFeeDetails()).singleElement().extracting("type").isEqualTo("stripe_fee");
    assertThat(txn.getAvailableOn()).isGreaterThan(txn.getCreated());
  }

  @Test
  void theBalanceTransactionExpandsOnTheCharge() throws Exception {
    Charge charge = charge("tok_visa", true);

    Charge expanded =
        stripe
            .v1()
            .charges()
            .retrieve(
                charge.getId(),
                ChargeRetrieveParams.builder().addExpand("balance_transaction").build());

    assertThat(expanded.getBalanceTransactionObject().getNet()).isEqualTo(9_680L);
  }

  @Test
  void anUncapturedChargeBooksNothingUntilCaptured() throws Exception {
    Charge charge = charge("tok_visa", false);
    assertThat(charge.getBalanceTransaction()).isNull();

    Charge captured = stripe.v1().charges().capture(charge.getId());

    assertThat(
            stripe
                .v1()
                .balanceTransactions()
                .retrieve(captured.getBalanceTransaction())
                .getAmount())
        .isEqualTo(10_000L);
  }

  @Test
  void aRefundBooksANegativeAmountWithoutAFee() throws Exception {
    Charge charge = charge("tok_visa", true);

    Refund refund =
        stripe
            .v1()
            .refunds()
            .create(
                RefundCreateParams.builder().setCharge(charge.getId()).setAmount(2_500L).build());
    BalanceTransaction txn =
        stripe.v1().balanceTransactions().retrieve(refund.getBalanceTransaction());

    assertThat(txn.getType()).isEqualTo("refund");
    assertThat(txn.getAmount()).isEqualTo(-2_500L);
    assertThat(txn.getFee()).isZero();
    assertThat(txn.getNet()).isEqualTo(-2_500L);
  }

  @Test
  void aChargebackWithdrawsTheAmountAndTheDisputeFee() throws Exception {
    Charge charge = charge("tok_createDispute", true);

    Dispute dispute = stripe.v1().disputes().list().getData().get(0);

    assertThat(dispute.getBalanceTransactions()).singleElement();
    BalanceTransaction txn = dispute.getBalanceTransactions().get(0);
    assertThat(txn.getType()).isEqualTo("adjustment");
    assertThat(txn.getReportingCategory()).isEqualTo("dispute");
    assertThat(txn.getAmount()).isEqualTo(-10_000L);
    assertThat(txn.getFee()).isEqualTo(1_500L);
    assertThat(txn.getNet()).isEqualTo(-11_500L);
    assertThat(charge.getDisputed()).isFalse();
  }

  @Test
  void theBalanceAddsUpTheNetAmountsAsPending() throws Exception {
    assertThat(stripe.v1().balance().retrieve().getPending())
        .singleElement()
        .satisfies(p -> assertThat(p.getAmount()).isZero());
    charge("tok_visa", true);
    Charge refunded = charge("tok_visa", true);
    stripe.v1().refunds().create(RefundCreateParams.builder().setCharge(refunded.getId()).build());

    com.stripe.model.Balance balance = stripe.v1().balance().retrieve();

    // Two charges of 100.00 net 96.80 each; the refund takes 100.00 back.
    assertThat(balance.getPending())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getCurrency()).isEqualTo("usd");
              assertThat(p.getAmount()).isEqualTo(2 * 9_680L - 10_000L);
            });
    assertThat(balance.getAvailable())
        .singleElement()
        .satisfies(a -> assertThat(a.getAmount()).isZero());
  }

  @Test
  void listFiltersBySourceAndType() throws Exception {
    Charge charge = charge("tok_visa", true);
    charge("tok_visa", true);

    assertThat(
            stripe
                .v1()
                .balanceTransactions()
                .list(BalanceTransactionListParams.builder().setSource(charge.getId()).build())
                .getData())
        .singleElement()
        .extracting(BalanceTransaction::getId)
        .isEqualTo(charge.getBalanceTransaction());
    assertThat(
            stripe
                .v1()
                .balanceTransactions()
                .list(BalanceTransactionListParams.builder().setType("charge").build())
                .getData())
        .hasSize(2);
  }
}
