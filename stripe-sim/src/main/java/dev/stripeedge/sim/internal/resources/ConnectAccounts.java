package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Account;
import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Connect accounts: a platform creates them, then acts as them with {@code Stripe-Account}.
 *
 * <p>The account object is stored in the platform's {@code accounts} collection; the connected
 * account's own objects live in its own {@link Account}.
 */
final class ConnectAccounts {

  static final Crud CRUD = new Crud("accounts", "account");

  private static final List<String> WRITABLE =
      List.of(
          "type",
          "country",
          "email",
          "business_type",
          "metadata",
          "capabilities",
          "controller",
          "business_profile",
          "default_currency");

  private ConnectAccounts() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, WRITABLE, null, ConnectAccounts::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, WRITABLE, "id", ConnectAccounts::update);
    CRUD.list(router, List.of());
    CRUD.delete(router);
  }

  private static Result create(Call call) {
    if (call.account().platform() != null) {
      throw StripeError.permission("Connected accounts cannot create accounts.");
    }
    String type = call.params().oneOf("type", List.of("standard", "express", "custom"));
    Map<String, Object> account = call.newObject("acct", "account");
    account.put("business_profile", null);
    account.put("business_type", call.params().string("business_type"));
    account.put("capabilities", new LinkedHashMap<>());
    account.put("charges_enabled", true);
    account.put("country", call.params().stringOr("country", "US"));
    account.put("default_currency", call.params().stringOr("default_currency", "usd"));
    account.put("details_submitted", true);
    account.put("email", call.params().string("email"));
    account.put("metadata", call.params().applyMetadata("metadata", new LinkedHashMap<>()));
    account.put("payouts_enabled", true);
    account.put("type", type == null ? "standard" : type);
    call.insert(CRUD.type(), account);
    call.state().accounts().connect(call.account(), (String) account.get("id"));
    call.emit("account.updated", account);
    return new Result.Obj(account);
  }

  private static Result update(Call call) {
    return CRUD.update(
        call,
        (c, account) -> {
          Crud.copyStrings(c, account, Set.of("email", "business_type", "default_currency"));
          Billing.metadata(c.params(), account);
        },
        account -> null);
  }
}
