package dev.stripeedge.sim.internal.engine;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Which collection an id's prefix points at, for expansion. */
public final class ObjectTypes {

  private static final Map<String, String> BY_PREFIX =
      Map.ofEntries(
          Map.entry("cus", "customers"),
          Map.entry("prod", "products"),
          Map.entry("price", "prices"),
          Map.entry("plan", "plans"),
          Map.entry("txr", "tax_rates"),
          Map.entry("pm", "payment_methods"),
          Map.entry("pi", "payment_intents"),
          Map.entry("cs", "checkout/sessions"),
          Map.entry("seti", "setup_intents"),
          Map.entry("ch", "charges"),
          Map.entry("py", "charges"),
          Map.entry("re", "refunds"),
          Map.entry("di", "discounts"),
          Map.entry("dp", "disputes"),
          Map.entry("pyr", "refunds"),
          Map.entry("sub", "subscriptions"),
          Map.entry("si", "subscription_items"),
          Map.entry("in", "invoices"),
          Map.entry("evt", "events"),
          Map.entry("we", "webhook_endpoints"),
          Map.entry("card", "cards"),
          Map.entry("src", "cards"),
          Map.entry("tok", "tokens"),
          Map.entry("acct", "accounts"),
          Map.entry("txn", "balance_transactions"));

  private ObjectTypes() {}

  public static @Nullable String collectionFor(String id) {
    int underscore = id.indexOf('_');
    return underscore <= 0 ? null : BY_PREFIX.get(id.substring(0, underscore));
  }
}
