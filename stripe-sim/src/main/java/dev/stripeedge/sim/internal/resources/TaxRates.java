package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tax rates: create, retrieve, update, list ({@code active}, {@code inclusive}). Stripe has no
 * delete for tax rates (archive with {@code active=false}), and the percentage is fixed at create.
 */
final class TaxRates {

  static final Crud CRUD = new Crud("tax_rates", "tax_rate");

  private static final Set<String> STRINGS =
      Set.of("country", "state", "jurisdiction", "description", "display_name");
  private static final List<String> TAX_TYPES =
      List.of(
          "amusement_tax",
          "communications_tax",
          "gst",
          "hst",
          "igst",
          "jct",
          "lease_tax",
          "pst",
          "qst",
          "retail_delivery_fee",
          "rst",
          "sales_tax",
          "service_tax",
          "vat");
  private static final List<String> UPDATE =
      List.of(
          "active",
          "country",
          "description",
          "display_name",
          "jurisdiction",
          "metadata",
          "state",
          "tax_type");
  private static final List<String> CREATE =
      List.of(
          "active",
          "country",
          "description",
          "display_name",
          "jurisdiction",
          "metadata",
          "state",
          "tax_type",
          "percentage",
          "inclusive");

  private TaxRates() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, TaxRates::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", TaxRates::update);
    CRUD.list(router, List.of("active", "inclusive"));
  }

  private static Result create(Call call) {
    Params params = call.params();
    params.require("display_name", "percentage", "inclusive");
    double percentage = params.decimal("percentage");
    if (percentage < 0 || percentage > 100) {
      throw StripeError.invalid(
          "parameter_invalid_decimal",
          "Invalid percentage: must be between 0 and 100.",
          "percentage");
    }
    Map<String, Object> rate = call.newObject("txr", "tax_rate");
    rate.put("active", true);
    rate.put("country", null);
    rate.put("description", null);
    rate.put("display_name", null);
    rate.put("effective_percentage", percentage);
    rate.put("flat_amount", null);
    rate.put("inclusive", params.bool("inclusive"));
    rate.put("jurisdiction", null);
    rate.put("jurisdiction_level", null);
    rate.put("metadata", new LinkedHashMap<>());
    rate.put("percentage", percentage);
    rate.put("rate_type", "percentage");
    rate.put("state", null);
    rate.put("tax_type", null);
    apply(params, rate);
    CRUD.insert(call, rate, attrs(rate));
    return new Result.Obj(rate);
  }

  private static Result update(Call call) {
    return CRUD.update(
        call,
        (c, rate) -> {
          if (c.params().has("display_name")) {
            c.params().require("display_name");
          }
          apply(c.params(), rate);
        },
        TaxRates::attrs);
  }

  private static void apply(Params params, Map<String, Object> rate) {
    for (String field : STRINGS) {
      if (params.has(field)) {
        rate.put(field, params.string(field));
      }
    }
    if (params.has("active")) {
      rate.put("active", params.boolOr("active", true));
    }
    if (params.has("tax_type")) {
      rate.put("tax_type", params.oneOf("tax_type", TAX_TYPES));
    }
    Billing.metadata(params, rate);
  }

  private static Map<String, String> attrs(Map<String, Object> rate) {
    return Map.of(
        "active",
        Billing.flag(rate.get("active")),
        "inclusive",
        Billing.flag(rate.get("inclusive")));
  }
}
