package dev.stripeedge.sim.conformance;

import static dev.stripeedge.sim.SimHttp.json;
import static dev.stripeedge.sim.SimHttp.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 3D Secure from start to end: the test cards that need it stop at {@code requires_action}, and the
 * simulator's stand-in for the cardholder ({@code POST /_sim/…/authenticate}) completes or fails
 * it, after which the intent moves on as Stripe's does.
 */
class ThreeDSecureIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private final SimHttp http = new SimHttp(sim.baseUrl());
  private final String key = "sk_test_three_d_secure_" + ACCOUNTS.incrementAndGet();

  @Test
  void completingAuthenticationChargesTheCard() {
    JsonNode pi = confirmed("pm_card_authenticationRequired", "");
    assertThat(pi.path("status").asText()).isEqualTo("requires_action");
    assertThat(pi.path("next_action").path("type").asText()).isEqualTo("use_stripe_sdk");

    JsonNode done = ok(authenticate("payment_intents", pi, "complete"));

    assertThat(done.path("status").asText()).isEqualTo("succeeded");
    assertThat(done.path("next_action").isNull()).isTrue();
    assertThat(done.path("amount_received").asLong()).isEqualTo(1200);
    JsonNode charge = ok(http.get("/v1/charges/" + done.path("latest_charge").asText(), key));
    assertThat(charge.path("status").asText()).isEqualTo("succeeded");
    assertThat(charge.path("payment_intent").asText()).isEqualTo(pi.path("id").asText());
    JsonNode secure = charge.path("payment_method_details").path("card").path("three_d_secure");
    assertThat(secure.path("result").asText()).isEqualTo("authenticated");
    assertThat(secure.path("version").asText()).isEqualTo("2.2.0");
    assertThat(events("payment_intent.succeeded")).isEqualTo(1);
  }

  @Test
  void aManualCaptureWaitsForCaptureOnceAuthenticated() {
    JsonNode pi = confirmed("pm_card_threeDSecure2Required", "&capture_method=manual");

    JsonNode done = ok(authenticate("payment_intents", pi, null));

    assertThat(done.path("status").asText()).isEqualTo("requires_capture");
    assertThat(done.path("amount_capturable").asLong()).isEqualTo(1200);
  }

  @Test
  void failingAuthenticationAsksForAnotherPaymentMethod() {
    JsonNode pi = confirmed("pm_card_authenticationRequired", "");

    JsonNode failed = ok(authenticate("payment_intents", pi, "fail"));

    assertThat(failed.path("status").asText()).isEqualTo("requires_payment_method");
    assertThat(failed.path("payment_method").isNull()).isTrue();
    JsonNode error = failed.path("last_payment_error");
    assertThat(error.path("code").asText()).isEqualTo("payment_intent_authentication_failure");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("payment_method").path("id").asText()).startsWith("pm_");
    assertThat(failed.has("latest_charge") && !failed.path("latest_charge").isNull()).isFalse();
    assertThat(events("payment_intent.payment_failed")).isEqualTo(1);
  }

  @Test
  void aCardCanBeDeclinedAfterAuthentication() {
    JsonNode pi = confirmed("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "");
    assertThat(pi.path("status").asText()).isEqualTo("requires_action");

    JsonNode declined = ok(authenticate("payment_intents", pi, "complete"));

    assertThat(declined.path("status").asText()).isEqualTo("requires_payment_method");
    assertThat(declined.path("last_payment_error").path("decline_code").asText())
        .isEqualTo("insufficient_funds");
    JsonNode charge = ok(http.get("/v1/charges/" + declined.path("latest_charge").asText(), key));
    assertThat(charge.path("status").asText()).isEqualTo("failed");
  }

  @Test
  void onlyAnIntentAwaitingAuthenticationCanBeAuthenticated() {
    JsonNode pi = confirmed("pm_card_visa", "");

    HttpResponse<String> response = authenticate("payment_intents", pi, "complete");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).path("error").path("code").asText())
        .isEqualTo("payment_intent_unexpected_state");
    assertThat(authenticate("payment_intents", pi, "maybe").statusCode()).isEqualTo(400);
  }

  @Test
  void aCardSetUpWithAuthenticationPaysOffSessionAfterwards() {
    String customer = ok(http.post("/v1/customers", key, "")).path("id").asText();
    JsonNode si =
        ok(
            http.post(
                "/v1/setup_intents",
                key,
                "customer="
                    + customer
                    + "&payment_method=pm_card_authenticationRequiredOnSetup&confirm=true"
                    + "&payment_method_types[]=card"));
    assertThat(si.path("status").asText()).isEqualTo("requires_action");

    JsonNode done = ok(authenticate("setup_intents", si, "complete"));

    assertThat(done.path("status").asText()).isEqualTo("succeeded");
    String pm = done.path("payment_method").asText();
    assertThat(ok(http.get("/v1/payment_methods/" + pm, key)).path("customer").asText())
        .isEqualTo(customer);
    JsonNode offSession =
        ok(
            http.post(
                "/v1/payment_intents",
                key,
                "amount=1200&currency=usd&confirm=true&off_session=true"
                    + "&payment_method_types[]=card&customer="
                    + customer
                    + "&payment_method="
                    + pm));
    assertThat(offSession.path("status").asText()).isEqualTo("succeeded");
  }

  @Test
  void aCardNeedingAuthenticationEveryTimeIsDeclinedOffSession() {
    HttpResponse<String> response =
        http.post(
            "/v1/payment_intents",
            key,
            "amount=1200&currency=usd&confirm=true&off_session=true&payment_method_types[]=card"
                + "&payment_method=pm_card_authenticationRequired");

    assertThat(response.statusCode()).isEqualTo(402);
    assertThat(json(response).path("error").path("decline_code").asText())
        .isEqualTo("authentication_required");
  }

  @Test
  void failingSetupAuthenticationLeavesTheCardUnsaved() {
    JsonNode si =
        ok(
            http.post(
                "/v1/setup_intents",
                key,
                "payment_method=pm_card_authenticationRequired&confirm=true"
                    + "&payment_method_types[]=card"));

    JsonNode failed = ok(authenticate("setup_intents", si, "fail"));

    assertThat(failed.path("status").asText()).isEqualTo("requires_payment_method");
    assertThat(failed.path("last_setup_error").path("code").asText())
        .isEqualTo("setup_intent_authentication_failure");
  }

  private JsonNode confirmed(String paymentMethod, String extra) {
    return ok(http.confirmedPaymentIntent(key, 1200, paymentMethod, extra));
  }

  private HttpResponse<String> authenticate(String type, JsonNode intent, String outcome) {
    return http.post(
        "/_sim/" + type + "/" + intent.path("id").asText() + "/authenticate",
        key,
        outcome == null ? "" : "outcome=" + outcome);
  }

  private int events(String type) {
    return ok(http.get("/v1/events?type=" + type, key)).path("data").size();
  }
}
