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
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Customers: create, retrieve, update, delete, list (by email), search. */
final class Customers {

  static final Crud CRUD = new Crud("customers", "customer");

  // Tombstones of deleted customers, so that a retrieve answers 200 with deleted: true.
  private static final String DELETED = "deleted_customers";

  /** Stripe's check is loose: something, an @, a domain with a dot. */
  private static final java.util.regex.Pattern EMAIL =
      java.util.regex.Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

  private static final Set<String> STRINGS =
      Set.of("description", "email", "name", "phone", "default_source");
  private static final List<String> WRITABLE =
      List.of(
          "address",
          "balance",
          "description",
          "email",
          "invoice_prefix",
          "invoice_settings",
          "metadata",
          "name",
          "phone",
          "preferred_locales",
          "shipping",
          "tax_exempt",
          "default_source",
          "source");
  private static final List<String> CREATABLE = creatable();

  private Customers() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATABLE, null, Customers::create);
    CRUD.add(router, "GET", "/{id}", Route.Kind.READ, List.of(), null, Customers::retrieve);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, WRITABLE, "id", Customers::update);
    CRUD.add(router, "DELETE", "/{id}", Route.Kind.WRITE, List.of(), "id", Customers::delete);
    CRUD.list(router, List.of("email"));
    Search.register(router, CRUD, List.of("email", "name", "phone", "description"));
  }

  /** A deleted customer is still retrieved, as Stripe answers: its id and {@code deleted}. */
  private static Result retrieve(Call call) {
    String id = call.path("id");
    Entry customer = call.collection(CRUD.type()).get(id);
    if (customer == null && call.collection(DELETED).get(id) != null) {
      return new Result.Obj(CRUD.deleted(id));
    }
    return new Result.Stored(
        customer != null ? customer : call.require(CRUD.type(), CRUD.objectName(), id, "id"));
  }

  /**
   * Deletes the customer and, as Stripe does, cancels its subscriptions at once and detaches its
   * payment methods. The id stays retrievable as deleted.
   */
  private static Result delete(Call call) {
    String id = call.path("id");
    Map<String, Object> customer = call.load(CRUD.type(), "customer", id, "id");
    Subscriptions.cancelAllOf(call, id);
    PaymentMethods.detachAllOf(call, id);
    call.delete(CRUD.type(), id);
    Map<String, Object> deleted = CRUD.deleted(id);
    deleted.put("created", customer.get("created"));
    call.insert(DELETED, deleted);
    call.emit("customer.deleted", customer);
    return new Result.Obj(CRUD.deleted(id));
  }

  private static Result create(Call call) {
    Map<String, Object> customer = call.newObject("cus", "customer");
    customer.put("address", null);
    customer.put("balance", 0L);
    customer.put("currency", null);
    customer.put("default_source", null);
    customer.put("delinquent", false);
    customer.put("description", null);
    customer.put("discount", null);
    customer.put("email", null);
    customer.put("invoice_prefix", invoicePrefix(call));
    customer.put("invoice_settings", invoiceSettings(null));
    customer.put("metadata", new LinkedHashMap<>());
    customer.put("name", null);
    customer.put("next_invoice_sequence", 1L);
    customer.put("phone", null);
    customer.put("preferred_locales", List.of());
    customer.put("shipping", null);
    customer.put("tax_exempt", "none");
    customer.put("test_clock", null);
    apply(call, customer);
    String id = (String) customer.get("id");
    String paymentMethod = call.params().string("payment_method");
    // Checked before anything is stored, so a declined card leaves no customer behind.
    Entry pm =
        paymentMethod == null
            ? null
            : PaymentMethods.attachable(call, paymentMethod, id, "payment_method");
    attachSource(call, customer);
    Entry entry = CRUD.insert(call, customer, attrs(customer));
    if (pm != null) {
      PaymentMethods.attach(call, pm, id);
    }
    return new Result.Stored(entry);
  }

  private static Result update(Call call) {
    return CRUD.update(call, Customers::applyUpdate, Customers::attrs);
  }

  private static void applyUpdate(Call call, Map<String, Object> customer) {
    apply(call, customer);
    if (call.params().string("source") != null) {
      // As at Stripe, a new source replaces the default one.
      customer.put("default_source", null);
      attachSource(call, customer);
    }
    if (call.params().has("default_source")) {
      String source = call.params().string("default_source");
      if (source != null) {
        call.require("cards", "source", source, "default_source");
      }
    }
  }

  private static List<String> creatable() {
    List<String> params = new ArrayList<>(WRITABLE);
    params.add("payment_method");
    return List.copyOf(params);
  }

  private static void attachSource(Call call, Map<String, Object> customer) {
    String source = call.params().string("source");
    if (source != null) {
      Sources.attach(call, customer, source, "source");
    }
  }

  private static void apply(Call call, Map<String, Object> customer) {
    String email = call.params().string("email");
    if (email != null && !EMAIL.matcher(email).matches()) {
      throw StripeError.invalid(
          "email_invalid", "Invalid email address: " + email, call.params().param("email"));
    }
    Params params = call.params();
    Crud.copyStrings(call, customer, STRINGS);
    if (params.has("balance")) {
      Long balance = params.integer("balance");
      customer.put("balance", balance == null ? 0L : balance);
    }
    if (params.has("tax_exempt")) {
      customer.put("tax_exempt", params.oneOf("tax_exempt", List.of("none", "exempt", "reverse")));
    }
    if (params.has("invoice_prefix")) {
      customer.put("invoice_prefix", params.string("invoice_prefix"));
    }
    if (params.has("preferred_locales")) {
      customer.put("preferred_locales", params.stringList("preferred_locales"));
    }
    if (params.has("address")) {
      customer.put("address", Addresses.address(params.object("address")));
    }
    if (params.has("shipping")) {
      Params shipping = params.object("shipping");
      customer.put("shipping", shipping == null ? null : Addresses.shipping(shipping));
    }
    if (params.has("invoice_settings")) {
      Params settings = params.object("invoice_settings");
      if (settings != null) {
        settings.allowOnly(List.of("default_payment_method", "footer", "custom_fields"));
        String pm = settings.string("default_payment_method");
        if (pm != null) {
          call.require(
              "payment_methods", "PaymentMethod", pm, settings.param("default_payment_method"));
        }
        customer.put("invoice_settings", invoiceSettings(pm));
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) customer.get("metadata");
    customer.put("metadata", params.applyMetadata("metadata", metadata));
  }

  private static Map<String, Object> invoiceSettings(String defaultPaymentMethod) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("custom_fields", null);
    settings.put("default_payment_method", defaultPaymentMethod);
    settings.put("footer", null);
    settings.put("rendering_options", null);
    return settings;
  }

  private static String invoicePrefix(Call call) {
    return call.state().ids().token(8).toUpperCase(Locale.ROOT);
  }

  static Map<String, String> attrs(Map<String, Object> customer) {
    Object email = customer.get("email");
    return email == null ? Map.of() : Map.of("email", (String) email);
  }
}
