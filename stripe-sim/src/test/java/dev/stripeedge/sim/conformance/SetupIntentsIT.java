package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.CardException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Customer;
import com.stripe.model.Event;
import com.stripe.model.PaymentMethod;
import com.stripe.model.SetupIntent;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.EventListParams;
import com.stripe.param.SetupIntentCancelParams;
import com.stripe.param.SetupIntentConfirmParams;
import com.stripe.param.SetupIntentCreateParams;
import com.stripe.param.SetupIntentListParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SetupIntents for cards through stripe-java: save, 3DS, declines, cancel, list. */
class SetupIntentsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient stripe = Clients.fresh(sim, "setup_intents");

  private Customer customer() throws Exception {
    return stripe.v1().customers().create(CustomerCreateParams.builder().build());
  }

  private SetupIntent create(String customer, String pm, boolean confirm) throws Exception {
    return stripe
        .v1()
        .setupIntents()
        .create(
            SetupIntentCreateParams.builder()
                .setCustomer(customer)
                .setPaymentMethod(pm)
                .addPaymentMethodType("card")
                .setConfirm(confirm)
                .build());
  }

  @Test
  void confirmingSavesTheCardToTheCustomer() throws Exception {
    Customer customer = customer();

    SetupIntent si = create(customer.getId(), "pm_card_visa", false);
    assertThat(si.getId()).startsWith("seti_");
    assertThat(si.getStatus()).isEqualTo("requires_confirmation");
    assertThat(si.getClientSecret()).startsWith(si.getId() + "_secret_");
    assertThat(si.getUsage()).isEqualTo("off_session");

    SetupIntent confirmed = stripe.v1().setupIntents().confirm(si.getId());

    assertThat(confirmed.getStatus()).isEqualTo("succeeded");
    PaymentMethod pm = stripe.v1().paymentMethods().retrieve(confirmed.getPaymentMethod());
    assertThat(pm.getCustomer()).isEqualTo(customer.getId());
    assertThat(
            stripe
                .v1()
                .events()
                .list(EventListParams.builder().setType("setup_intent.succeeded").build())
                .getData())
        .extracting(Event::getType)
        .containsExactly("setup_intent.succeeded");
  }

  @Test
  void aThreeDSecureCardStopsAtRequiresAction() throws Exception {
    SetupIntent si = create(customer().getId(), "pm_card_authenticationRequiredOnSetup", true);

    assertThat(si.getStatus()).isEqualTo("requires_action");
    assertThat(si.getNextAction().getType()).isEqualTo("use_stripe_sdk");
  }

  @Test
  void aDecliningCardFailsWithTheSetupIntentInTheError() throws Exception {
    String customer = customer().getId();

    CardException error =
        catchThrowableOfType(
            CardException.class,
            () -> create(customer, "pm_card_chargeDeclinedInsufficientFunds", true));

    assertThat(error.getCode()).isEqualTo("card_declined");
    assertThat(error.getDeclineCode()).isEqualTo("insufficient_funds");
    SetupIntent failed = stripe.v1().setupIntents().list().getData().get(0);
    assertThat(failed.getStatus()).isEqualTo("requires_payment_method");
    assertThat(failed.getLastSetupError().getDeclineCode()).isEqualTo("insufficient_funds");
    assertThat(failed.getPaymentMethod()).isNull();
  }

  @Test
  void aFailedSetupCanBeRetriedWithAnotherCard() throws Exception {
    String customer = customer().getId();
    catchThrowableOfType(
        CardException.class, () -> create(customer, "pm_card_chargeDeclined", true));
    String id = stripe.v1().setupIntents().list().getData().get(0).getId();

    SetupIntent retried =
        stripe
            .v1()
            .setupIntents()
            .confirm(
                id, SetupIntentConfirmParams.builder().setPaymentMethod("pm_card_visa").build());

    assertThat(retried.getStatus()).isEqualTo("succeeded");
    assertThat(retried.getLastSetupError()).isNull();
  }

  @Test
  void cancelOnlyBeforeSuccess() throws Exception {
    String customer = customer().getId();
    SetupIntent open = create(customer, "pm_card_visa", false);
    SetupIntent done = create(customer, "pm_card_visa", true);

    SetupIntent canceled =
        stripe
            .v1()
            .setupIntents()
            .cancel(
                open.getId(),
                SetupIntentCancelParams.builder()
                    .setCancellationReason(
                        SetupIntentCancelParams.CancellationReason.REQUESTED_BY_CUSTOMER)
                    .build());
    InvalidRequestException refused =
        catchThrowableOfType(
            InvalidRequestException.class, () -> stripe.v1().setupIntents().cancel(done.getId()));

    assertThat(canceled.getStatus()).isEqualTo("canceled");
    assertThat(canceled.getCancellationReason()).isEqualTo("requested_by_customer");
    assertThat(refused.getCode()).isEqualTo("setup_intent_unexpected_state");
  }

  @Test
  void listFiltersByCustomer() throws Exception {
    String mine = customer().getId();
    create(mine, "pm_card_visa", false);
    create(customer().getId(), "pm_card_visa", false);

    assertThat(
            stripe
                .v1()
                .setupIntents()
                .list(SetupIntentListParams.builder().setCustomer(mine).build())
                .getData())
        .singleElement()
        .extracting(SetupIntent::getCustomer)
        .isEqualTo(mine);
  }
}
