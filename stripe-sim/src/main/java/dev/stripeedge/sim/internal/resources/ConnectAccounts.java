package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Account;
import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Lists;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Json;
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
    // Stripe's account object has no livemode field.
    account.remove("livemode");
    account.put("business_profile", null);
    account.put("business_type", call.params().string("business_type"));
    account.put("capabilities", new LinkedHashMap<>());
    account.put("charges_enabled", true);
    account.put("controller", Map.of("type", "application"));
    account.put("country", call.params().stringOr("country", "US"));
    account.put("default_currency", call.params().stringOr("default_currency", "usd"));
    account.put("details_submitted", true);
    account.put("email", call.params().string("email"));
    account.put(
        "external_accounts",
        Lists.of("/v1/accounts/" + account.get("id") + "/external_accounts", List.of(), false));
    account.put("future_requirements", requirements());
    account.put("metadata", call.params().applyMetadata("metadata", new LinkedHashMap<>()));
    account.put("payouts_enabled", true);
    // A simulated account is verified at once (charges and payouts enabled), so nothing is due.
    account.put("requirements", requirements());
    account.put("settings", Json.readMap(SETTINGS));
    account.put("tos_acceptance", tosAcceptance());
    account.put("type", type == null ? "standard" : type);
    call.insert(CRUD.type(), account);
    call.state().accounts().connect(call.account(), (String) account.get("id"));
    call.emit("account.updated", account);
    return new Result.Obj(account);
  }

  private static Map<String, Object> requirements() {
    Map<String, Object> requirements = new LinkedHashMap<>();
    requirements.put("alternatives", List.of());
    requirements.put("current_deadline", null);
    requirements.put("currently_due", List.of());
    requirements.put("disabled_reason", null);
    requirements.put("errors", List.of());
    requirements.put("eventually_due", List.of());
    requirements.put("past_due", List.of());
    requirements.put("pending_verification", List.of());
    return requirements;
  }

  private static Map<String, Object> tosAcceptance() {
    Map<String, Object> tos = new LinkedHashMap<>();
    tos.put("date", null);
    tos.put("ip", null);
    tos.put("user_agent", null);
    return tos;
  }

  /** A new account's settings as Stripe's example shows them, none of them configured. */
  private static final byte[] SETTINGS =
      """
      {"bacs_debit_payments":{"display_name":null,"service_user_number":null},
       "branding":{"icon":null,"logo":null,"primary_color":null,"secondary_color":null},
       "card_issuing":{"tos_acceptance":{"date":null,"ip":null}},
       "card_payments":{"decline_on":{"avs_failure":false,"cvc_failure":false},
         "statement_descriptor_prefix":null,"statement_descriptor_prefix_kana":null,
         "statement_descriptor_prefix_kanji":null},
       "dashboard":{"display_name":null,"timezone":"Etc/UTC"},
       "invoices":{"default_account_tax_ids":null,"hosted_payment_method_save":null},
       "payments":{"statement_descriptor":null,"statement_descriptor_kana":null,
         "statement_descriptor_kanji":null,"statement_descriptor_prefix_kana":null,
         "statement_descriptor_prefix_kanji":null},
       "payouts":{"debit_negative_balances":true,"schedule":{"delay_days":2,"interval":"daily"},
         "statement_descriptor":null},
       "sepa_debit_payments":{}}
      """
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);

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
