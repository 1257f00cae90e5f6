package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * SetupIntents for cards: create, retrieve, update, confirm, cancel, list. Confirming saves the
 * card for later (attaching it to the customer); Stripe's test cards decide the outcome: 3DS cards
 * stop at {@code requires_action}, cards that decline on attach fail with a 402.
 *
 * <p>Simplified: no SetupAttempts ({@code latest_attempt} stays null), no mandates, card only; 3DS
 * cannot be completed.
 */
final class SetupIntents {

  static final Crud CRUD = new Crud("setup_intents", "setup_intent");

  private static final List<String> UPDATE =
      List.of("customer", "description", "metadata", "payment_method", "payment_method_types");
  private static final List<String> CONFIRM = List.of("payment_method", "return_url", "expand");
  private static final List<String> CREATE;

  static {
    List<String> create = new ArrayList<>(UPDATE);
    create.addAll(List.of("automatic_payment_methods", "confirm", "return_url", "usage"));
    CREATE = List.copyOf(create);
  }

  private static final List<String> CANCELABLE =
      List.of("requires_payment_method", "requires_confirmation", "requires_action");

  private SetupIntents() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, SetupIntents::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", SetupIntents::update);
    CRUD.add(
        router, "POST", "/{id}/confirm", Route.Kind.WRITE, CONFIRM, "id", SetupIntents::confirm);
    CRUD.add(
        router,
        "POST",
        "/{id}/cancel",
        Route.Kind.WRITE,
        List.of("cancellation_reason"),
        "id",
        SetupIntents::cancel);
    CRUD.list(router, List.of("customer", "payment_method"));
    CardActions.authenticateRoute(
        router, "setup_intents", Route.Kind.WRITE, SetupIntents::authenticate);
  }

  /**
   * The cardholder on Stripe's 3D Secure test page ({@code POST
   * /_sim/setup_intents/{id}/authenticate}, {@code outcome=complete|fail}): completing it saves the
   * card; failing it returns the SetupIntent to {@code requires_payment_method} with {@code
   * setup_intent_authentication_failure}.
   */
  private static Result authenticate(Call call) {
    Map<String, Object> si = call.load(CRUD.type(), "setup_intent", call.path("id"), "id");
    requireStatus(si, "authenticate", List.of("requires_action"));
    Entry pmEntry =
        PaymentMethods.resolve(call, (String) si.get("payment_method"), "payment_method");
    if (CardActions.authenticated(call.params())) {
      succeed(call, si, pmEntry);
      return new Result.Obj(si);
    }
    CardActions.failAuthentication(si, "last_setup_error", call.read(pmEntry));
    save(call, si);
    call.emit("setup_intent.setup_failed", si);
    return new Result.Obj(si);
  }

  private static Result create(Call call) {
    Params params = call.params();
    Map<String, Object> si = call.newObject("seti", "setup_intent");
    String id = (String) si.get("id");
    si.put("application", null);
    si.put("automatic_payment_methods", null);
    si.put("cancellation_reason", null);
    si.put("client_secret", id + "_secret_" + call.state().ids().token(32));
    si.put("customer", null);
    si.put("description", null);
    si.put("excluded_payment_method_types", null);
    si.put("flow_directions", null);
    si.put("last_setup_error", null);
    si.put("latest_attempt", null);
    si.put("mandate", null);
    si.put("metadata", new LinkedHashMap<>());
    si.put("next_action", null);
    si.put("on_behalf_of", null);
    si.put("payment_method", null);
    si.put("payment_method_configuration_details", null);
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("mandate_options", null);
    card.put("network", null);
    card.put("request_three_d_secure", "automatic");
    si.put("payment_method_options", Map.of("card", card));
    si.put("payment_method_types", List.of("card"));
    si.put("single_use_mandate", null);
    si.put("status", "requires_payment_method");
    si.put(
        "usage",
        Objects.requireNonNullElse(
            params.oneOf("usage", List.of("off_session", "on_session")), "off_session"));
    if (!params.has("payment_method_types")) {
      si.put("automatic_payment_methods", CardActions.automaticPaymentMethods(params));
    }
    apply(call, si);
    call.insert(CRUD.type(), si, attrs(si));
    call.emit("setup_intent.created", si);
    if (params.boolOr("confirm", false)) {
      runConfirm(call, si, params.string("return_url"));
    }
    return new Result.Obj(si);
  }

  private static Result update(Call call) {
    Map<String, Object> si = call.load(CRUD.type(), "setup_intent", call.path("id"), "id");
    requireStatus(si, "update", List.of("requires_payment_method", "requires_confirmation"));
    Map<String, Object> before = new LinkedHashMap<>(si);
    apply(call, si);
    Map<String, Object> previous = Crud.previous(before, si);
    if (!previous.isEmpty()) {
      save(call, si);
      call.emit("setup_intent.updated", si, previous);
    }
    return new Result.Obj(si);
  }

  private static Result confirm(Call call) {
    Map<String, Object> si = call.load(CRUD.type(), "setup_intent", call.path("id"), "id");
    requireStatus(si, "confirm", CANCELABLE);
    if (call.params().has("payment_method")) {
      si.put("payment_method", paymentMethod(call, call.params().string("payment_method")));
    }
    runConfirm(call, si, call.params().string("return_url"));
    return new Result.Obj(si);
  }

  private static Result cancel(Call call) {
    Map<String, Object> si = call.load(CRUD.type(), "setup_intent", call.path("id"), "id");
    requireStatus(si, "cancel", CANCELABLE);
    si.put(
        "cancellation_reason",
        call.params()
            .oneOf(
                "cancellation_reason", List.of("abandoned", "duplicate", "requested_by_customer")));
    si.put("next_action", null);
    si.put("status", "canceled");
    save(call, si);
    call.emit("setup_intent.canceled", si);
    return new Result.Obj(si);
  }

  /** Saves the card: attaches it to the customer, or stops for 3DS, or fails on a decline. */
  private static void runConfirm(Call call, Map<String, Object> si, @Nullable String returnUrl) {
    String pmId = (String) si.get("payment_method");
    if (pmId == null) {
      throw StripeError.invalidState(
              "setup_intent_unexpected_state",
              "You cannot confirm this SetupIntent because it's missing a payment method. Update"
                  + " the SetupIntent with a payment method and then confirm it again.",
              null)
          .with("setup_intent", si);
    }
    Entry pmEntry = PaymentMethods.resolve(call, pmId, "payment_method");
    Map<String, Object> pm = call.read(pmEntry);
    TestCards.Card card = PaymentMethods.card(pmEntry);
    if (card.outcome() instanceof TestCards.Declined decline && decline.onAttach()) {
      si.put("last_setup_error", CardActions.declineError(decline, null, pm));
      si.put("payment_method", null);
      si.put("status", "requires_payment_method");
      save(call, si);
      call.emit("setup_intent.setup_failed", si);
      throw Charges.declineError(decline).with("payment_method", pm).with("setup_intent", si);
    }
    si.put("last_setup_error", null);
    if (card.outcome() instanceof TestCards.RequiresAction) {
      si.put("next_action", CardActions.threeDSecure(call, si, "setup_intent", returnUrl, false));
      si.put("status", "requires_action");
      save(call, si);
      call.emit("setup_intent.requires_action", si);
      return;
    }
    succeed(call, si, pmEntry);
  }

  /** The card is saved: attached to the SetupIntent's customer, the SetupIntent succeeded. */
  private static void succeed(Call call, Map<String, Object> si, Entry pmEntry) {
    String customer = (String) si.get("customer");
    if (customer != null && call.read(pmEntry).get("customer") == null) {
      PaymentMethods.attach(call, pmEntry.id(), customer, "payment_method");
    }
    si.put("next_action", null);
    si.put("status", "succeeded");
    save(call, si);
    call.emit("setup_intent.succeeded", si);
  }

  private static void apply(Call call, Map<String, Object> si) {
    Params params = call.params();
    if (params.has("customer")) {
      String customer = params.string("customer");
      if (customer != null) {
        call.require("customers", "customer", customer, "customer");
      }
      si.put("customer", customer);
    }
    if (params.has("payment_method")) {
      si.put("payment_method", paymentMethod(call, params.string("payment_method")));
      if ("requires_payment_method".equals(si.get("status")) && si.get("payment_method") != null) {
        si.put("status", "requires_confirmation");
      }
    }
    if (params.has("payment_method_types")) {
      for (String type : params.stringList("payment_method_types")) {
        if (!type.equals("card")) {
          throw StripeError.invalid(
              "setup_intent_invalid_parameter",
              "The payment method type \"" + type + "\" is invalid. The simulator supports card.",
              "payment_method_types");
        }
      }
      si.put("payment_method_types", List.of("card"));
    }
    Crud.copyStrings(call, si, java.util.Set.of("description"));
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) si.get("metadata");
    si.put("metadata", params.applyMetadata("metadata", metadata));
  }

  /** A payment method id as stored: {@code pm_card_*} shortcuts become real payment methods. */
  private static @Nullable String paymentMethod(Call call, @Nullable String id) {
    return id == null ? null : PaymentMethods.resolve(call, id, "payment_method").id();
  }

  private static void requireStatus(Map<String, Object> si, String action, List<String> allowed) {
    if (!allowed.contains(si.get("status"))) {
      throw StripeError.invalidState(
              "setup_intent_unexpected_state",
              "You cannot %s this SetupIntent because it has a status of %s."
                      .formatted(action, si.get("status"))
                  + " Only a SetupIntent with one of the following statuses may be "
                  + (action.endsWith("e") ? action + "d" : action + "ed")
                  + ": "
                  + String.join(", ", allowed)
                  + ".",
              null)
          .with("setup_intent", si);
    }
  }

  private static void save(Call call, Map<String, Object> si) {
    call.save(CRUD.type(), si, attrs(si));
  }

  private static Map<String, String> attrs(Map<String, Object> si) {
    Map<String, String> attrs = new LinkedHashMap<>();
    for (String field : List.of("customer", "payment_method")) {
      if (si.get(field) instanceof String value) {
        attrs.put(field, value);
      }
    }
    return attrs;
  }
}
