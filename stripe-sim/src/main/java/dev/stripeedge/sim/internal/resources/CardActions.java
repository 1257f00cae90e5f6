package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Handler;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What PaymentIntents and SetupIntents share about a card: the error a decline leaves on the intent
 * ({@code last_payment_error}, {@code last_setup_error}) and the 3D Secure step it asks for ({@code
 * next_action}).
 */
final class CardActions {

  private CardActions() {}

  /**
   * Registers the simulator's 3D Secure step for {@code collection} ({@code payment_intents},
   * {@code setup_intents}): what the cardholder does on Stripe's test authentication page, {@code
   * POST /_sim/<collection>/{id}/authenticate}. Under {@code /_sim/}, plainly not Stripe's API; the
   * control API hands it to the engine.
   */
  static void authenticateRoute(
      Router router, String collection, Route.Kind kind, Handler handler) {
    router.add(
        new Route(
            "POST",
            "/_sim/" + collection + "/{id}/authenticate",
            kind,
            Route.params(List.of("outcome")),
            "id",
            handler));
  }

  /** {@code outcome=complete} (the default) or {@code fail}: the cardholder's choice. */
  static boolean authenticated(Params params) {
    return !"fail".equals(params.oneOf("outcome", List.of("complete", "fail")));
  }

  /**
   * A failed 3D Secure authentication: the intent asks for another payment method and records the
   * error ({@code errorField}: {@code last_payment_error}, {@code last_setup_error}).
   */
  static void failAuthentication(
      Map<String, Object> intent, String errorField, Map<String, Object> pm) {
    intent.put(errorField, authenticationFailure((String) intent.get("object"), pm));
    intent.put("next_action", null);
    intent.put("payment_method", null);
    intent.put("status", "requires_payment_method");
  }

  /**
   * Records on a charge's card details that the cardholder passed 3D Secure (a challenge, version
   * 2.2.0), as Stripe shows it once the authentication page is done.
   */
  @SuppressWarnings("unchecked")
  static void authenticatedCharge(Map<String, Object> charge) {
    if (charge.get("payment_method_details") instanceof Map<?, ?> details
        && details.get("card") instanceof Map<?, ?> card) {
      Map<String, Object> secure = new LinkedHashMap<>();
      secure.put("authentication_flow", "challenge");
      secure.put("electronic_commerce_indicator", "05");
      secure.put("exemption_indicator", null);
      secure.put("result", "authenticated");
      secure.put("result_reason", null);
      secure.put(
          "transaction_id",
          java.util
              .UUID
              .nameUUIDFromBytes(
                  String.valueOf(charge.get("id"))
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8))
              .toString());
      secure.put("version", "2.2.0");
      ((Map<String, Object>) card).put("three_d_secure", secure);
    }
  }

  /** The error of a failed authentication, for {@code payment_intent} or {@code setup_intent}. */
  private static Map<String, Object> authenticationFailure(
      String objectName, Map<String, Object> pm) {
    String code = objectName + "_authentication_failure";
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
    error.put(
        "message",
        objectName.equals("payment_intent")
            ? "The provided PaymentMethod has failed authentication. You can provide"
                + " payment_method_data or a new PaymentMethod to attempt to fulfill this"
                + " PaymentIntent again."
            : "The latest attempt to set up the payment method has failed because authentication"
                + " failed.");
    error.put("payment_method", pm);
    error.put("type", "invalid_request_error");
    return error;
  }

  /**
   * {@code automatic_payment_methods} as an intent created without {@code payment_method_types}
   * gets it: since 2023-08-16 Stripe turns them on unless the request says otherwise.
   */
  static Map<String, Object> automaticPaymentMethods(Params params) {
    Params auto = params.object("automatic_payment_methods");
    Map<String, Object> automatic = new LinkedHashMap<>();
    automatic.put(
        "allow_redirects",
        auto == null
            ? "always"
            : Objects.requireNonNullElse(
                auto.oneOf("allow_redirects", List.of("always", "never")), "always"));
    automatic.put("enabled", auto == null || auto.boolOr("enabled", true));
    return automatic;
  }

  /**
   * The decline as the intent records it.
   *
   * @param chargeId the failed charge (PaymentIntents), or null (SetupIntents make none)
   */
  static Map<String, Object> declineError(
      TestCards.Declined decline, @Nullable String chargeId, Map<String, Object> pm) {
    Map<String, Object> error = new LinkedHashMap<>();
    if (decline.adviceCode() != null) {
      error.put("advice_code", decline.adviceCode());
    }
    if (chargeId != null) {
      error.put("charge", chargeId);
    }
    error.put("code", decline.code());
    error.put("decline_code", decline.declineCode());
    error.put("doc_url", "https://stripe.com/docs/error-codes/" + decline.code().replace('_', '-'));
    error.put("message", decline.message());
    if (decline.networkDeclineCode() != null) {
      error.put("network_decline_code", decline.networkDeclineCode());
    }
    if (decline.param() != null) {
      error.put("param", decline.param());
    }
    error.put("payment_method", pm);
    error.put("type", "card_error");
    return error;
  }

  /**
   * The 3D Secure step: a redirect when the client gave a {@code return_url}, otherwise a step for
   * Stripe.js.
   *
   * @param objectName {@code payment_intent} or {@code setup_intent}, as in the redirect's query
   * @param stripeJs whether the Stripe.js step carries its {@code stripe_js} URL (PaymentIntents)
   */
  static Map<String, Object> threeDSecure(
      Call call,
      Map<String, Object> intent,
      String objectName,
      @Nullable String returnUrl,
      boolean stripeJs) {
    String source = call.newId("src");
    Map<String, Object> action = new LinkedHashMap<>();
    if (returnUrl != null) {
      Map<String, Object> redirect = new LinkedHashMap<>();
      redirect.put("return_url", returnUrl);
      redirect.put(
          "url",
          "https://hooks.stripe.com/3d_secure_2/hosted?merchant="
              + call.account().id()
              + "&"
              + objectName
              + "="
              + intent.get("id")
              + "&"
              + objectName
              + "_client_secret="
              + intent.get("client_secret")
              + "&source="
              + source);
      action.put("redirect_to_url", redirect);
      action.put("type", "redirect_to_url");
    } else {
      Map<String, Object> sdk = new LinkedHashMap<>();
      sdk.put("source", source);
      if (stripeJs) {
        sdk.put(
            "stripe_js",
            "https://hooks.stripe.com/redirect/authenticate/"
                + source
                + "?client_secret=src_client_secret_"
                + call.state().ids().token(24));
      }
      sdk.put("type", "three_d_secure_redirect");
      action.put("type", "use_stripe_sdk");
      action.put("use_stripe_sdk", sdk);
    }
    return action;
  }
}
