package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.annotations.SerializedName;
import com.stripe.StripeClient;
import com.stripe.model.Card;
import com.stripe.model.Charge;
import com.stripe.model.Customer;
import com.stripe.model.PaymentIntent;
import com.stripe.model.PaymentMethod;
import com.stripe.model.Refund;
import com.stripe.model.StripeObject;
import com.stripe.param.ChargeCreateParams;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.RefundCreateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.lang.reflect.Field;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every top-level field the simulator sends exists in stripe-java 33.3.0's typed model. */
class PaymentShapesIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient client = Clients.fresh(sim, "payment_shapes");

  private static Set<String> modelFields(Class<?> type) {
    Set<String> names = new HashSet<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        SerializedName name = field.getAnnotation(SerializedName.class);
        if (name != null) {
          names.add(name.value());
        }
      }
    }
    return names;
  }

  private static void assertModelled(StripeObject object) {
    assertThat(modelFields(object.getClass()))
        .as(object.getClass().getSimpleName())
        .containsAll(object.getRawJsonObject().keySet());
  }

  private PaymentIntent paymentIntent() throws Exception {
    return client
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
  }

  @Test
  void paymentIntent_charge_paymentMethod() throws Exception {
    PaymentIntent pi = paymentIntent();

    assertModelled(pi);
    assertModelled(client.v1().charges().retrieve(pi.getLatestCharge()));
    assertModelled(client.v1().paymentMethods().retrieve(pi.getPaymentMethod()));
  }

  @Test
  void refund() throws Exception {
    Refund refund =
        client
            .v1()
            .refunds()
            .create(RefundCreateParams.builder().setPaymentIntent(paymentIntent().getId()).build());

    assertModelled(refund);
  }

  @Test
  void sourceChargeAndCard() throws Exception {
    Customer customer =
        client
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().setSource("tok_visa").build());
    Charge charge =
        client
            .v1()
            .charges()
            .create(
                ChargeCreateParams.builder()
                    .setAmount(900L)
                    .setCurrency("usd")
                    .setCustomer(customer.getId())
                    .build());

    assertModelled(charge);
    assertModelled(
        (Card)
            client
                .v1()
                .customers()
                .paymentSources()
                .retrieve(customer.getId(), customer.getDefaultSource()));
    assertModelled(customer);
  }

  @Test
  void paymentMethodModelIsPaymentMethod() throws Exception {
    PaymentMethod pm = client.v1().paymentMethods().retrieve("pm_card_visa");

    assertModelled(pm);
  }
}
