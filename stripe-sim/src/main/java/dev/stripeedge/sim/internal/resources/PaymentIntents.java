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
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * PaymentIntents: create, retrieve, update, confirm, capture, cancel, list, search, with Stripe's
 * status machine.
 *
 * <p>A confirmation charges the test card behind the payment method: success gives {@code
 * succeeded} (or {@code requires_capture} for manual capture), a 3D Secure card {@code
 * requires_action}, a decline a stored failed charge, the PaymentIntent back in {@code
 * requires_payment_method} and a 402. Every change counts against the PaymentIntent's hourly update
 * limit.
 */
final class PaymentIntents {

  // Over 400 lines: one Stripe resource's whole surface (create, confirm, 3DS, capture, cancel,
  // events).

  static final Crud CRUD = new Crud("payment_intents", "payment_intent");
  private static final List<String> CONFIRMABLE =
      List.of("requires_payment_method", "requires_confirmation", "requires_action");
  private static final List<String> CANCELABLE =
      List.of(
          "requires_payment_method",
          "requires_capture",
          "requires_confirmation",
          "requires_action",
          "processing");

  /** Fields Stripe lets change in any status; the rest only before confirmation succeeds. */
  private static final Set<String> ALWAYS_UPDATABLE =
      Set.of("description", "metadata", "receipt_email", "shipping", "expand");

  private static final List<String> CONFIRM =
      List.of(
          "payment_method",
          "return_url",
          "off_session",
          "receipt_email",
          "setup_future_usage",
          "shipping",
          "payment_method_types",
          "payment_method_options",
          "payment_method_data",
          "mandate_data",
          "error_on_requires_action",
          "use_stripe_sdk",
          "radar_options",
          "capture_method");
  private static final List<String> UPDATE =
      List.of(
          "amount",
          "currency",
          "customer",
          "description",
          "metadata",
          "payment_method",
          "payment_method_types",
          "payment_method_options",
          "receipt_email",
          "setup_future_usage",
          "shipping",
          "statement_descriptor",
          "statement_descriptor_suffix",
          "capture_method",
          "transfer_group");
  private static final List<String> CREATE = create();

  private PaymentIntents() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.PAYMENT, CREATE, null, PaymentIntents::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", PaymentIntents::update);
    CRUD.add(
        router,
        "POST",
        "/{id}/confirm",
        Route.Kind.PAYMENT,
        CONFIRM,
        "id",
        PaymentIntents::confirm);
    CRUD.add(
        router,
        "POST",
        "/{id}/capture",
        Route.Kind.PAYMENT,
        List.of(
            "amount_to_capture",
            "application_fee_amount",
            "final_capture",
            "metadata",
            "statement_descriptor",
            "statement_descriptor_suffix"),
        "id",
        call -> {
          call.countPaymentIntentUpdate(call.path("id"));
          return new Result.Obj(
              capture(call, call.path("id"), call.params().amount("amount_to_capture")));
        });
    CRUD.add(
        router,
        "POST",
        "/{id}/cancel",
        Route.Kind.WRITE,
        List.of("cancellation_reason"),
        "id",
        PaymentIntents::cancel);
    CRUD.list(router, List.of("customer"));
    Search.register(router, CRUD, List.of("amount", "currency", "customer", "status"));
    CardActions.authenticateRoute(
        router, "payment_intents", Route.Kind.PAYMENT, PaymentIntents::authenticate);
  }

  /**
   * Captures a {@code requires_capture} PaymentIntent and its charge for {@code amount} (all that
   * is capturable when null); emits {@code charge.captured} and {@code payment_intent.succeeded}.
   */
  static Map<String, Object> capture(Call call, String id, @Nullable Long amount) {
    Map<String, Object> pi = call.load(CRUD.type(), "payment_intent", id, "id");
    requireStatus(
        pi,
        "requires_capture",
        "This PaymentIntent could not be captured because it has a status of %s. Only a"
            + " PaymentIntent with one of the following statuses may be captured: requires_capture.");
    long capturable = ((Number) pi.get("amount_capturable")).longValue();
    long captured = amount == null ? capturable : amount;
    if (captured > capturable) {
      throw StripeError.invalidState(
              "amount_too_large",
              "The amount_to_capture ("
                  + captured
                  + ") must be less than or equal to the amount_capturable ("
                  + capturable
                  + ") of this PaymentIntent.",
              "amount_to_capture")
          .with("payment_intent", pi);
    }
    Map<String, Object> charge =
        call.load(Charges.CRUD.type(), "charge", (String) pi.get("latest_charge"), "id");
    Charges.capture(call, charge, captured);
    Params params = call.params();
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) pi.get("metadata");
    pi.put("metadata", params.applyMetadata("metadata", metadata));
    pi.put("amount_capturable", 0L);
    pi.put("amount_received", captured);
    pi.put("status", "succeeded");
    save(call, pi);
    call.emit("payment_intent.succeeded", pi);
    return pi;
  }

  private static List<String> create() {
    List<String> params = new ArrayList<>(UPDATE);
    params.addAll(
        List.of(
            "confirm",
            "confirmation_method",
            "automatic_payment_methods",
            "off_session",
            "return_url",
            "error_on_requires_action",
            "use_stripe_sdk",
            "mandate_data",
            "payment_method_data",
            "radar_options",
            "excluded_payment_method_types"));
    return List.copyOf(params);
  }

  private static Result create(Call call) {
    Params params = call.params();
    String currency = Charges.currency(params);
    long amount = Charges.amount(params, "amount", currency);
    Map<String, Object> pi = call.newObject("pi", "payment_intent");
    String id = (String) pi.get("id");
    pi.put("amount", amount);
    pi.put("amount_capturable", 0L);
    pi.put("amount_details", Map.of("tip", Map.of()));
    pi.put("amount_received", 0L);
    pi.put("application", null);
    pi.put("application_fee_amount", null);
    pi.put("automatic_payment_methods", null);
    pi.put("canceled_at", null);
    pi.put("cancellation_reason", null);
    // Stripe's default since 2024-04-10; apply() validates a given value.
    pi.put("capture_method", "automatic_async");
    pi.put("client_secret", id + "_secret_" + call.state().ids().token(24));
    pi.put(
        "confirmation_method",
        Objects.requireNonNullElse(
            params.oneOf("confirmation_method", List.of("automatic", "manual")), "automatic"));
    pi.put("currency", currency);
    pi.put("customer", null);
    // Accounts v2 as customers are not simulated: always null, as for every v1 customer.
    pi.put("customer_account", null);
    pi.put("description", null);
    pi.put("excluded_payment_method_types", null);
    pi.put("last_payment_error", null);
    pi.put("latest_charge", null);
    pi.put("metadata", new LinkedHashMap<>());
    pi.put("next_action", null);
    pi.put("on_behalf_of", null);
    pi.put("payment_method", null);
    pi.put("payment_method_configuration_details", null);
    pi.put("payment_method_options", paymentMethodOptions());
    pi.put("payment_method_types", List.of("card"));
    pi.put("processing", null);
    pi.put("receipt_email", null);
    pi.put("review", null);
    pi.put("setup_future_usage", null);
    pi.put("shipping", null);
    pi.put("source", null);
    pi.put("statement_descriptor", null);
    pi.put("statement_descriptor_suffix", null);
    pi.put("status", "requires_payment_method");
    pi.put("transfer_data", null);
    pi.put("transfer_group", null);
    apply(call, pi);
    if (!params.has("payment_method_types")) {
      pi.put("automatic_payment_methods", CardActions.automaticPaymentMethods(params));
    }
    CRUD.insert(call, pi, attrs(pi));
    if (params.boolOr("confirm", false)) {
      runConfirm(call, pi);
    }
    return new Result.Obj(pi);
  }

  private static Result update(Call call) {
    Map<String, Object> pi = loadCounted(call);
    String status = (String) pi.get("status");
    if (!CONFIRMABLE.contains(status)) {
      for (String name : call.params().names()) {
        if (!ALWAYS_UPDATABLE.contains(name)) {
          throw unexpected(
              pi,
              ("This PaymentIntent's %s could not be updated because it has a status of %s. You may"
                      + " only update the %s of a PaymentIntent with one of the following statuses:"
                      + " requires_payment_method, requires_confirmation, requires_action.")
                  .formatted(name, status, name));
        }
      }
    }
    if (call.params().has("amount")) {
      pi.put("amount", Charges.amount(call.params(), "amount", (String) pi.get("currency")));
    }
    if (call.params().has("currency")) {
      pi.put("currency", Charges.currency(call.params()));
    }
    apply(call, pi);
    save(call, pi);
    return new Result.Obj(pi);
  }

  /** The PaymentIntent in the path, its change counted against the hourly update limit. */
  private static Map<String, Object> loadCounted(Call call) {
    call.countPaymentIntentUpdate(call.path("id"));
    return call.load(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
  }

  private static Result confirm(Call call) {
    Map<String, Object> pi = loadCounted(call);
    String status = (String) pi.get("status");
    if ("succeeded".equals(status)) {
      throw unexpected(
          pi,
          "You cannot confirm this PaymentIntent because it has already succeeded after being"
              + " previously confirmed.");
    }
    if (!CONFIRMABLE.contains(status)) {
      throw unexpected(
          pi, "You cannot confirm this PaymentIntent because it has a status of " + status + ".");
    }
    apply(call, pi);
    runConfirm(call, pi);
    return new Result.Obj(pi);
  }

  private static Result cancel(Call call) {
    Map<String, Object> pi = loadCounted(call);
    String status = (String) pi.get("status");
    if (!CANCELABLE.contains(status)) {
      throw unexpected(
          pi,
          "You cannot cancel this PaymentIntent because it has a status of "
              + status
              + ". Only a PaymentIntent with one of the following statuses may be canceled: "
              + String.join(", ", CANCELABLE)
              + ".");
    }
    String reason =
        call.params()
            .oneOf(
                "cancellation_reason",
                List.of("duplicate", "fraudulent", "requested_by_customer", "abandoned"));
    if ("requires_capture".equals(status)) {
      releaseAuthorization(call, (String) pi.get("latest_charge"));
    }
    pi.put("amount_capturable", 0L);
    pi.put("canceled_at", call.now());
    pi.put("cancellation_reason", reason);
    pi.put("next_action", null);
    pi.put("status", "canceled");
    save(call, pi);
    call.emit("payment_intent.canceled", pi);
    return new Result.Obj(pi);
  }

  /** An uncaptured charge on a canceled PaymentIntent is refunded in full (the hold released). */
  private static void releaseAuthorization(Call call, String chargeId) {
    Map<String, Object> charge = call.load(Charges.CRUD.type(), "charge", chargeId, "id");
    Map<String, Object> before = new LinkedHashMap<>(charge);
    charge.put("amount_refunded", charge.get("amount"));
    charge.put("refunded", true);
    Charges.save(call, charge);
    call.emit("charge.refunded", charge, Crud.previous(before, charge));
  }

  /** Confirms {@code pi} (already stored): charges its payment method and moves its status. */
  private static void runConfirm(Call call, Map<String, Object> pi) {
    Params params = call.params();
    String pmId = (String) pi.get("payment_method");
    if (pmId == null) {
      Object customer = pi.get("customer");
      throw unexpected(
          pi,
          customer == null
              ? "You cannot confirm this PaymentIntent because it's missing a payment method."
                  + " Update the PaymentIntent with a payment method and then confirm it again."
              : "You cannot confirm this PaymentIntent because it's missing a payment method. To"
                  + " confirm the PaymentIntent with "
                  + customer
                  + ", specify a payment method attached to this customer along with the customer"
                  + " ID.");
    }
    boolean offSession = params.boolOr("off_session", false);
    String returnUrl = params.string("return_url");
    if (pi.get("automatic_payment_methods") instanceof Map<?, ?> auto
        && Boolean.TRUE.equals(auto.get("enabled"))
        && "always".equals(auto.get("allow_redirects"))
        && returnUrl == null
        && !offSession) {
      throw StripeError.invalid(
          null,
          "You must provide a `return_url` when confirming using"
              + " automatic_payment_methods[enabled]=true.",
          "return_url");
    }
    Entry pmEntry = PaymentMethods.resolve(call, pmId, "payment_method");
    TestCards.Card card = PaymentMethods.card(pmEntry);
    TestCards.Declined decline =
        switch (card.outcome()) {
          case TestCards.Declined d -> d;
          case TestCards.RequiresAction r ->
              offSession && !r.offSessionSucceeds() ? Charges.authenticationRequired() : null;
          case TestCards.Succeeds s -> null;
        };
    if (decline == null && card.outcome() instanceof TestCards.RequiresAction && !offSession) {
      pi.put("status", "requires_action");
      pi.put("next_action", CardActions.threeDSecure(call, pi, "payment_intent", returnUrl, true));
      save(call, pi);
      call.emit("payment_intent.requires_action", pi);
      return;
    }
    charge(call, pi, pmEntry, card, decline, false);
  }

  /**
   * The simulator's stand-in for the cardholder on Stripe's 3D Secure test page ({@code POST
   * /_sim/payment_intents/{id}/authenticate}, {@code outcome=complete|fail}): completing it charges
   * the card as confirming would have; failing it returns the PaymentIntent to {@code
   * requires_payment_method} with {@code payment_intent_authentication_failure}.
   */
  private static Result authenticate(Call call) {
    Map<String, Object> pi = loadCounted(call);
    requireStatus(
        pi,
        "requires_action",
        "You cannot authenticate this PaymentIntent because it has a status of %s. Only a"
            + " PaymentIntent with status requires_action can be authenticated.");
    Entry pmEntry =
        PaymentMethods.resolve(call, (String) pi.get("payment_method"), "payment_method");
    if (CardActions.authenticated(call.params())) {
      TestCards.Declined decline =
          PaymentMethods.card(pmEntry).outcome() instanceof TestCards.RequiresAction r
              ? r.afterAuthentication()
              : null;
      charge(call, pi, pmEntry, PaymentMethods.card(pmEntry), decline, true);
      return new Result.Obj(pi);
    }
    CardActions.failAuthentication(pi, "last_payment_error", call.read(pmEntry));
    save(call, pi);
    call.emit("payment_intent.payment_failed", pi);
    return new Result.Obj(pi);
  }

  /**
   * Charges the card for {@code pi}: a stored charge, the PaymentIntent succeeded (or awaiting
   * capture), or on a decline back to {@code requires_payment_method} with the error, thrown as the
   * 402 unless {@code authenticated} (a confirm throws it; after the 3D Secure page the
   * PaymentIntent records it only, and the charge shows the authentication).
   */
  private static void charge(
      Call call,
      Map<String, Object> pi,
      Entry pmEntry,
      TestCards.Card card,
      TestCards.@Nullable Declined decline,
      boolean authenticated) {
    Map<String, Object> pm = call.read(pmEntry);
    boolean manual = "manual".equals(pi.get("capture_method"));
    long amount = ((Number) pi.get("amount")).longValue();
    String customer = (String) pi.get("customer");
    Map<String, Object> charge =
        Charges.build(
            call, amount, (String) pi.get("currency"), customer, pm, null, card, !manual, decline);
    charge.put("payment_intent", pi.get("id"));
    charge.put("description", pi.get("description"));
    charge.put("receipt_email", pi.get("receipt_email"));
    if (authenticated) {
      CardActions.authenticatedCharge(charge);
    }
    Charges.store(call, charge);
    pi.put("latest_charge", charge.get("id"));
    pi.put("next_action", null);
    if (decline != null) {
      pi.put(
          "last_payment_error", CardActions.declineError(decline, (String) charge.get("id"), pm));
      pi.put("payment_method", null);
      pi.put("status", "requires_payment_method");
      save(call, pi);
      call.emit("payment_intent.payment_failed", pi);
      if (authenticated) {
        return;
      }
      throw Charges.declineError(decline)
          .with("charge", charge.get("id"))
          .with("payment_intent", pi)
          .with("payment_method", pm);
    }
    if (customer != null && pi.get("setup_future_usage") != null && pm.get("customer") == null) {
      PaymentMethods.attach(call, pmEntry.id(), customer, "payment_method");
    }
    pi.put("last_payment_error", null);
    if (manual) {
      pi.put("amount_capturable", amount);
      pi.put("status", "requires_capture");
      save(call, pi);
      call.emit("payment_intent.amount_capturable_updated", pi);
    } else {
      pi.put("amount_received", amount);
      pi.put("status", "succeeded");
      save(call, pi);
      call.emit("payment_intent.succeeded", pi);
    }
  }

  /** Applies the parameters create, update and confirm share. */
  private static void apply(Call call, Map<String, Object> pi) {
    Params params = call.params();
    Crud.copyStrings(
        call,
        pi,
        Set.of(
            "description",
            "receipt_email",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "transfer_group"));
    if (params.has("capture_method")) {
      pi.put(
          "capture_method",
          Objects.requireNonNullElse(
              params.oneOf("capture_method", List.of("automatic", "automatic_async", "manual")),
              "automatic_async"));
    }
    if (params.has("setup_future_usage")) {
      pi.put(
          "setup_future_usage",
          params.oneOf("setup_future_usage", List.of("on_session", "off_session")));
    }
    if (params.has("shipping")) {
      Params shipping = params.object("shipping");
      pi.put("shipping", shipping == null ? null : Addresses.shipping(shipping));
    }
    if (params.has("payment_method_types")) {
      List<String> types = params.stringList("payment_method_types");
      for (String type : types) {
        if (!type.equals("card")) {
          throw StripeError.invalid(
              "payment_intent_invalid_parameter",
              "The payment method type \"" + type + "\" is invalid. The simulator supports card.",
              "payment_method_types");
        }
      }
      pi.put("payment_method_types", types);
      pi.put("automatic_payment_methods", null);
    }
    if (params.has("customer")) {
      String customer = params.string("customer");
      if (customer != null) {
        call.require("customers", "customer", customer, "customer");
      }
      pi.put("customer", customer);
    }
    if (params.has("payment_method")) {
      String pmId = params.string("payment_method");
      if (pmId != null) {
        Entry entry = PaymentMethods.resolve(call, pmId, "payment_method");
        Object owner = call.read(entry).get("customer");
        if (owner != null && !owner.equals(pi.get("customer"))) {
          throw StripeError.invalidState(
              "payment_intent_invalid_parameter",
              "The PaymentMethod "
                  + entry.id()
                  + " belongs to the Customer "
                  + owner
                  + ". Please include the Customer in the `customer` parameter on the"
                  + " PaymentIntent.",
              "payment_method");
        }
        pmId = entry.id();
      }
      pi.put("payment_method", pmId);
      if (!"requires_payment_method".equals(pi.get("status")) || pmId != null) {
        pi.put("status", pmId == null ? "requires_payment_method" : "requires_confirmation");
        pi.put("next_action", null);
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) pi.get("metadata");
    pi.put("metadata", params.applyMetadata("metadata", metadata));
  }

  private static Map<String, Object> paymentMethodOptions() {
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("installments", null);
    card.put("mandate_options", null);
    card.put("network", null);
    card.put("request_three_d_secure", "automatic");
    return Map.of("card", card);
  }

  /** Stripe's 400 unless {@code pi} has {@code status}; {@code message} formats the status. */
  private static void requireStatus(Map<String, Object> pi, String status, String message) {
    if (!status.equals(pi.get("status"))) {
      throw unexpected(pi, message.formatted(pi.get("status")));
    }
  }

  private static StripeError unexpected(Map<String, Object> pi, String message) {
    return StripeError.invalidState("payment_intent_unexpected_state", message, null)
        .with("payment_intent", pi);
  }

  private static void save(Call call, Map<String, Object> pi) {
    call.save(CRUD.type(), pi, attrs(pi));
  }

  private static Map<String, String> attrs(Map<String, Object> pi) {
    return pi.get("customer") instanceof String customer ? Map.of("customer", customer) : Map.of();
  }
}
