package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.CardException;
import com.stripe.model.Charge;
import com.stripe.model.Event;
import com.stripe.param.ChargeCreateParams;
import com.stripe.param.EventListParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.RefundCreateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PaymentEventsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient client = Clients.fresh(sim, "payment_events");

  private List<String> typesOldestFirst() throws Exception {
    List<Event> events =
        client.v1().events().list(EventListParams.builder().setLimit(100L).build()).getData();
    return events.reversed().stream().map(Event::getType).toList();
  }

  private static PaymentIntentCreateParams.Builder pi(String paymentMethod) {
    return PaymentIntentCreateParams.builder()
        .setAmount(2000L)
        .setCurrency("usd")
        .addPaymentMethodType("card")
        .setPaymentMethod(paymentMethod)
        .setConfirm(true);
  }

  @Test
  void successfulConfirmation() throws Exception {
    client.v1().paymentIntents().create(pi("pm_card_visa").build());

    assertThat(typesOldestFirst())
        .containsExactly("payment_intent.created", "charge.succeeded", "payment_intent.succeeded");
  }

  @Test
  void declinedConfirmation() throws Exception {
    catchThrowableOfType(
        CardException.class,
        () -> client.v1().paymentIntents().create(pi("pm_card_chargeDeclined").build()));

    assertThat(typesOldestFirst())
        .containsExactly(
            "payment_intent.created", "charge.failed", "payment_intent.payment_failed");
  }

  @Test
  void manualCaptureThenCapture() throws Exception {
    var authorized =
        client
            .v1()
            .paymentIntents()
            .create(
                pi("pm_card_visa")
                    .setCaptureMethod(PaymentIntentCreateParams.CaptureMethod.MANUAL)
                    .build());
    client.v1().paymentIntents().capture(authorized.getId());

    assertThat(typesOldestFirst())
        .containsExactly(
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.amount_capturable_updated",
            "charge.captured",
            "payment_intent.succeeded");
  }

  @Test
  void refundAnnouncesChargeAndRefund() throws Exception {
    Charge charge =
        client
            .v1()
            .charges()
            .create(
                ChargeCreateParams.builder()
                    .setAmount(1000L)
                    .setCurrency("usd")
                    .setSource("tok_visa")
                    .build());
    client.v1().refunds().create(RefundCreateParams.builder().setCharge(charge.getId()).build());

    List<Event> events = client.v1().events().list(EventListParams.builder().build()).getData();

    assertThat(typesOldestFirst())
        .containsExactly("charge.succeeded", "charge.refunded", "refund.created");
    Event refunded = events.get(1);
    assertThat(refunded.getData().getPreviousAttributes())
        .containsEntry("refunded", false)
        .containsKey("amount_refunded");
  }
}
