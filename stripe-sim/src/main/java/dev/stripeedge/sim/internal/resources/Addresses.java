package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.wire.Params;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Address and shipping hashes, shaped as Stripe returns them (every field present). */
final class Addresses {

  private static final List<String> FIELDS =
      List.of("city", "country", "line1", "line2", "postal_code", "state");

  private Addresses() {}

  static @Nullable Map<String, Object> address(@Nullable Params params) {
    if (params == null) {
      return null;
    }
    params.allowOnly(FIELDS);
    Map<String, Object> address = new LinkedHashMap<>();
    for (String field : FIELDS) {
      address.put(field, params.string(field));
    }
    return address;
  }

  static Map<String, Object> shipping(Params params) {
    params.allowOnly(List.of("address", "name", "phone"));
    params.require("name");
    Map<String, Object> shipping = new LinkedHashMap<>();
    shipping.put("address", address(params.object("address")));
    shipping.put("name", params.string("name"));
    shipping.put("phone", params.string("phone"));
    return shipping;
  }
}
