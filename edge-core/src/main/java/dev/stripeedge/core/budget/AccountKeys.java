package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.internal.ApiKeyHasher;
import dev.stripeedge.core.internal.ApiKeys;

/**
 * Names the Stripe account a request spends the budget of: a keyed hash of the API key (never the
 * key), plus {@code Stripe-Account} and {@code Stripe-Context}. Thread-safe.
 */
final class AccountKeys {

  private final ApiKeyHasher hasher;

  AccountKeys(byte[] secret) {
    this.hasher = new ApiKeyHasher(secret);
  }

  /** True for a sandbox key ({@code sk_test_…}, {@code rk_test_…}): Stripe's lower limits apply. */
  static boolean testMode(EdgeRequest request) {
    String apiKey = ApiKeys.of(request);
    return apiKey != null && apiKey.contains("_test_");
  }

  String of(EdgeRequest request) {
    String apiKey = ApiKeys.of(request);
    String account = request.header("stripe-account");
    String context = request.header("stripe-context");
    return (apiKey == null ? "-" : hasher.hash(apiKey))
        + ' '
        + (account == null ? "" : account.strip())
        + ' '
        + (context == null ? "" : context.strip());
  }
}
