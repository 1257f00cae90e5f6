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
import java.util.Set;

/**
 * Products: create (with {@code default_price_data}), retrieve, update, delete (refused while
 * prices exist, as at Stripe), list ({@code active}, {@code ids[]}), search.
 */
final class Products {

  static final Crud CRUD = new Crud("products", "product");

  private static final Set<String> STRINGS =
      Set.of("description", "statement_descriptor", "unit_label", "url", "tax_code");
  private static final List<String> UPDATE =
      List.of(
          "name",
          "active",
          "description",
          "metadata",
          "images",
          "shippable",
          "statement_descriptor",
          "unit_label",
          "url",
          "tax_code",
          "default_price",
          "marketing_features");
  private static final List<String> CREATE;

  static {
    List<String> create = new ArrayList<>(UPDATE);
    create.remove("default_price");
    create.addAll(List.of("id", "default_price_data", "type"));
    CREATE = List.copyOf(create);
  }

  private Products() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, Products::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", Products::update);
    CRUD.add(router, "DELETE", "/{id}", Route.Kind.WRITE, List.of(), "id", Products::delete);
    CRUD.list(
        router,
        List.of("active", "shippable", "url"),
        List.of("ids"),
        call -> {
          List<String> ids = call.params().stringList("ids");
          return entry -> ids.isEmpty() || ids.contains(entry.id());
        });
    Search.register(router, CRUD, List.of("name", "active", "description", "shippable", "url"));
  }

  private static Result create(Call call) {
    Map<String, Object> product = newProduct(call, call.params());
    if (call.params().has("default_price_data")) {
      Params data = call.params().object("default_price_data");
      if (data != null) {
        data.allowOnly(
            List.of(
                "currency",
                "unit_amount",
                "unit_amount_decimal",
                "recurring",
                "tax_behavior",
                "metadata"));
        Map<String, Object> price = Prices.fromParams(call, data, (String) product.get("id"));
        product.put("default_price", price.get("id"));
        Entry entry = insert(call, product);
        Prices.insert(call, price);
        return new Result.Stored(entry);
      }
    }
    return new Result.Stored(insert(call, product));
  }

  /** Builds a product from create parameters ({@code product_data} hashes use the same names). */
  static Map<String, Object> newProduct(Call call, Params params) {
    params.require("name");
    Map<String, Object> product = call.newObject("prod", "product");
    String customId = params.string("id");
    if (customId != null) {
      product.put("id", customId);
    }
    product.put("active", true);
    product.put("default_price", null);
    product.put("description", null);
    product.put("images", List.of());
    product.put("marketing_features", List.of());
    product.put("metadata", new LinkedHashMap<>());
    product.put("name", null);
    product.put("package_dimensions", null);
    product.put("shippable", null);
    product.put("statement_descriptor", null);
    product.put("tax_code", null);
    product.put("type", "service");
    product.put("unit_label", null);
    product.put("updated", call.now());
    product.put("url", null);
    apply(params, product);
    return product;
  }

  /** Stores a new product and announces it. */
  static Entry insert(Call call, Map<String, Object> product) {
    return CRUD.insert(call, product, attrs(product));
  }

  private static Result update(Call call) {
    Map<String, Object> product = call.load(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
    Map<String, Object> before = new LinkedHashMap<>(product);
    Params params = call.params();
    apply(params, product);
    if (params.has("default_price")) {
      String priceId = params.string("default_price");
      if (priceId != null) {
        Entry price = call.require(Prices.CRUD.type(), "price", priceId, "default_price");
        if (!product.get("id").equals(price.attr("product"))) {
          throw StripeError.invalidState(
              "resource_missing",
              "The price `" + priceId + "` does not belong to this product.",
              "default_price");
        }
      }
      product.put("default_price", priceId);
    }
    Map<String, Object> previous = Crud.previous(before, product);
    if (!previous.isEmpty()) {
      product.put("updated", call.now());
      call.save(CRUD.type(), product, attrs(product));
      call.emit("product.updated", product, previous);
    }
    return new Result.Obj(product);
  }

  private static Result delete(Call call) {
    String id = call.path("id");
    Map<String, Object> product = call.load(CRUD.type(), CRUD.objectName(), id, "id");
    // Plans are prices too: either kind keeps the product alive.
    if (Billing.any(call, Prices.CRUD.type(), "price", e -> id.equals(e.attr("product")))
        || Billing.any(call, Plans.CRUD.type(), "plan", e -> id.equals(e.attr("product")))) {
      throw StripeError.invalid(
          null,
          "This product cannot be deleted because it has one or more user-created prices.",
          null);
    }
    call.delete(CRUD.type(), id);
    call.emit("product.deleted", product);
    return new Result.Obj(CRUD.deleted(id));
  }

  private static void apply(Params params, Map<String, Object> product) {
    if (params.has("name")) {
      product.put("name", params.requiredString("name"));
    }
    for (String field : STRINGS) {
      if (params.has(field)) {
        product.put(field, params.string(field));
      }
    }
    if (params.has("active")) {
      product.put("active", params.boolOr("active", true));
    }
    if (params.has("shippable")) {
      product.put("shippable", params.bool("shippable"));
    }
    if (params.has("images")) {
      product.put("images", params.stringList("images"));
    }
    if (params.has("type")) {
      product.put("type", params.oneOf("type", List.of("good", "service")));
    }
    Billing.metadata(params, product);
  }

  static Map<String, String> attrs(Map<String, Object> product) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("active", Billing.flag(product.get("active")));
    if (product.get("shippable") != null) {
      attrs.put("shippable", Billing.flag(product.get("shippable")));
    }
    if (product.get("url") != null) {
      attrs.put("url", (String) product.get("url"));
    }
    return attrs;
  }
}
