package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.stripe.StripeClient;
import com.stripe.model.Dispute;
import com.stripe.param.DisputeListParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stripe's documented test tokens: brands and funding, the dispute tokens (a charge that succeeds,
 * then is disputed), refunds of disputed charges, and captures that cannot happen twice.
 */
class TokensAndDisputesIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private final SimHttp http = new SimHttp(sim.baseUrl());
  private final String key = "sk_test_tokens_" + ACCOUNTS.incrementAndGet();

  @ParameterizedTest
  @CsvSource({
    "tok_visa, visa, Visa, 4242, credit",
    "tok_visa_debit, visa, Visa, 5556, debit",
    "tok_mastercard, mastercard, MasterCard, 4444, credit",
    "tok_mastercard_debit, mastercard, MasterCard, 8210, debit",
    "tok_mastercard_prepaid, mastercard, MasterCard, 5100, prepaid",
    "tok_amex, amex, American Express, 0005, credit",
    "tok_discover, discover, Discover, 1117, credit",
    "tok_diners, diners, Diners Club, 0004, credit",
    "tok_jcb, jcb, JCB, 0505, credit",
    "tok_unionpay, unionpay, UnionPay, 0005, credit",
  })
  void tokensChargeWithTheirBrandAndFunding(
      String token, String brand, String legacyBrand, String last4, String funding) {
    JsonNode charge = ok(http.post("/v1/charges", key, "amount=1000&currency=usd&source=" + token));

    JsonNode card = charge.path("payment_method_details").path("card");
    assertThat(card.path("brand").asText()).isEqualTo(brand);
    assertThat(card.path("last4").asText()).isEqualTo(last4);
    assertThat(card.path("funding").asText()).isEqualTo(funding);
    // The legacy card object spells brands as Stripe's card objects do.
    assertThat(charge.path("source").path("brand").asText()).isEqualTo(legacyBrand);
    assertThat(charge.path("source").path("funding").asText()).isEqualTo(funding);
  }

  /** Stripe's address verification cards: the charge succeeds, the checks report the result. */
  @ParameterizedTest
  @CsvSource({
    "avsFail, fail, fail",
    "avsLine1Fail, fail, pass",
    "avsZipFail, pass, fail",
    "avsUnchecked, unavailable, unavailable",
  })
  void addressVerificationCardsReportTheirChecks(String card, String line1, String zip) {
    JsonNode charge =
        ok(http.post("/v1/charges", key, "amount=1000&currency=usd&source=tok_" + card));
    JsonNode pm = ok(http.get("/v1/payment_methods/pm_card_" + card, key));

    assertThat(charge.path("status").asText()).isEqualTo("succeeded");
    JsonNode checks = charge.path("payment_method_details").path("card").path("checks");
    assertThat(checks.path("address_line1_check").asText()).isEqualTo(line1);
    assertThat(checks.path("address_postal_code_check").asText()).isEqualTo(zip);
    assertThat(charge.path("source").path("address_line1_check").asText()).isEqualTo(line1);
    assertThat(charge.path("source").path("address_zip_check").asText()).isEqualTo(zip);
    assertThat(pm.path("card").path("checks").path("address_line1_check").asText())
        .isEqualTo(line1);
  }

  @Test
  void ordinaryCardsHaveNoAddressChecks() {
    JsonNode charge = ok(http.post("/v1/charges", key, "amount=1000&currency=usd&source=tok_visa"));

    JsonNode checks = charge.path("payment_method_details").path("card").path("checks");
    assertThat(checks.path("address_line1_check").isNull()).isTrue();
    assertThat(checks.path("cvc_check").asText()).isEqualTo("pass");
  }

  @ParameterizedTest
  @CsvSource({
    "tok_createDispute, fraudulent, needs_response, false, chargeback",
    "tok_createDisputeProductNotReceived, product_not_received, needs_response, false, chargeback",
    "tok_createDisputeInquiry, fraudulent, warning_needs_response, true, inquiry",
  })
  void disputeTokensOpenADisputeOnTheCharge(
      String token, String reason, String status, boolean refundable, String caseType) {
    JsonNode charge = ok(http.post("/v1/charges", key, "amount=2500&currency=usd&source=" + token));
    String chargeId = charge.path("id").asText();

    assertThat(charge.path("status").asText()).isEqualTo("succeeded");
    assertThat(ok(http.get("/v1/charges/" + chargeId, key)).path("disputed").asBoolean()).isTrue();
    JsonNode disputes = ok(http.get("/v1/disputes?charge=" + chargeId, key));
    assertThat(disputes.path("data")).hasSize(1);
    JsonNode dispute = disputes.path("data").get(0);
    assertThat(dispute.path("id").asText()).startsWith("dp_");
    assertThat(dispute.path("object").asText()).isEqualTo("dispute");
    assertThat(dispute.path("amount").asLong()).isEqualTo(2500);
    assertThat(dispute.path("reason").asText()).isEqualTo(reason);
    assertThat(dispute.path("status").asText()).isEqualTo(status);
    assertThat(dispute.path("is_charge_refundable").asBoolean()).isEqualTo(refundable);
    assertThat(dispute.path("payment_method_details").path("card").path("case_type").asText())
        .isEqualTo(caseType);
    assertThat(ok(http.get("/v1/disputes/" + dispute.path("id").asText(), key))).isEqualTo(dispute);
    JsonNode events = ok(http.get("/v1/events?type=charge.dispute.created", key));
    assertThat(events.path("data").get(0).path("data").path("object").path("id").asText())
        .isEqualTo(dispute.path("id").asText());
  }

  @Test
  void aChargedBackChargeCannotBeRefunded() {
    String charge =
        ok(http.post("/v1/charges", key, "amount=2500&currency=usd&source=tok_createDispute"))
            .path("id")
            .asText();

    HttpResponse<String> refund = http.post("/v1/refunds", key, "charge=" + charge);

    assertThat(refund.statusCode()).isEqualTo(400);
    JsonNode error = json(refund).path("error");
    assertThat(error.path("code").asText()).isEqualTo("charge_disputed");
    assertThat(error.path("message").asText())
        .isEqualTo("Charge " + charge + " has been charged back; cannot issue a refund.");
  }

  @Test
  void anInquiryCanStillBeSettledByARefund() {
    String charge =
        ok(http.post(
                "/v1/charges", key, "amount=2500&currency=usd&source=tok_createDisputeInquiry"))
            .path("id")
            .asText();

    JsonNode refund = ok(http.post("/v1/refunds", key, "charge=" + charge));

    assertThat(refund.path("status").asText()).isEqualTo("succeeded");
  }

  @Test
  void aDisputeOpensOnlyOnceTheChargeIsCaptured() {
    String charge =
        ok(http.post(
                "/v1/charges",
                key,
                "amount=2500&currency=usd&capture=false&source=tok_createDispute"))
            .path("id")
            .asText();
    assertThat(ok(http.get("/v1/disputes?charge=" + charge, key)).path("data")).isEmpty();

    ok(http.post("/v1/charges/" + charge + "/capture", key, ""));

    assertThat(ok(http.get("/v1/disputes?charge=" + charge, key)).path("data")).hasSize(1);
    assertThat(ok(http.get("/v1/charges/" + charge, key)).path("disputed").asBoolean()).isTrue();
  }

  @Test
  void paymentIntentsWithADisputeCardAreDisputedToo() throws Exception {
    JsonNode pi =
        ok(
            http.post(
                "/v1/payment_intents",
                key,
                "amount=3000&currency=usd&confirm=true&payment_method_types[]=card"
                    + "&payment_method=pm_card_createDispute"));
    StripeClient stripe = Clients.forKey(sim, key);

    Dispute dispute =
        stripe
            .v1()
            .disputes()
            .list(DisputeListParams.builder().setPaymentIntent(pi.path("id").asText()).build())
            .getData()
            .get(0);

    assertThat(dispute.getCharge()).isEqualTo(pi.path("latest_charge").asText());
    assertThat(dispute.getAmount()).isEqualTo(3000L);
  }

  @Test
  void evidenceIsSubmittedAndClosingLosesTheDispute() throws Exception {
    http.post("/v1/charges", key, "amount=2500&currency=usd&source=tok_createDispute");
    StripeClient stripe = Clients.forKey(sim, key);
    String id = stripe.v1().disputes().list().getData().get(0).getId();

    Dispute updated =
        stripe
            .v1()
            .disputes()
            .update(
                id,
                com.stripe.param.DisputeUpdateParams.builder()
                    .setEvidence(
                        com.stripe.param.DisputeUpdateParams.Evidence.builder()
                            .setProductDescription("A sim")
                            .build())
                    .putMetadata("case", "1")
                    .build());
    assertThat(updated.getStatus()).isEqualTo("under_review");
    assertThat(updated.getEvidence().getProductDescription()).isEqualTo("A sim");
    assertThat(updated.getEvidenceDetails().getSubmissionCount()).isEqualTo(1L);
    assertThat(updated.getMetadata()).containsEntry("case", "1");

    Dispute closed = stripe.v1().disputes().close(id);
    assertThat(closed.getStatus()).isEqualTo("lost");
    HttpResponse<String> again = http.post("/v1/disputes/" + id + "/close", key, "");
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(ok(http.get("/v1/events?type=charge.dispute.closed", key)).path("data")).hasSize(1);
  }

  @Test
  void aSecondChargeCaptureIsRefused() {
    String charge =
        ok(http.post("/v1/charges", key, "amount=2500&currency=usd&capture=false&source=tok_visa"))
            .path("id")
            .asText();
    ok(http.post("/v1/charges/" + charge + "/capture", key, ""));

    HttpResponse<String> again = http.post("/v1/charges/" + charge + "/capture", key, "");

    assertThat(again.statusCode()).isEqualTo(400);
    JsonNode error = json(again).path("error");
    assertThat(error.path("code").asText()).isEqualTo("charge_already_captured");
    assertThat(error.path("message").asText())
        .isEqualTo("Charge " + charge + " has already been captured.");
  }

  @Test
  void aSecondPaymentIntentCaptureIsRefused() {
    String pi =
        ok(http.post(
                "/v1/payment_intents",
                key,
                "amount=2500&currency=usd&confirm=true&capture_method=manual"
                    + "&payment_method_types[]=card&payment_method=pm_card_visa"))
            .path("id")
            .asText();
    ok(http.post("/v1/payment_intents/" + pi + "/capture", key, ""));

    HttpResponse<String> again = http.post("/v1/payment_intents/" + pi + "/capture", key, "");

    assertThat(again.statusCode()).isEqualTo(400);
    JsonNode error = json(again).path("error");
    assertThat(error.path("code").asText()).isEqualTo("payment_intent_unexpected_state");
    assertThat(error.path("message").asText())
        .isEqualTo(
            "This PaymentIntent could not be captured because it has a status of succeeded."
                + " Only a PaymentIntent with one of the following statuses may be captured:"
                + " requires_capture.");
    assertThat(error.path("payment_intent").path("status").asText()).isEqualTo("succeeded");
  }

  private static JsonNode ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
