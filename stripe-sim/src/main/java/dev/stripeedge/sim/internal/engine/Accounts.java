package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * API keys to accounts.
 *
 * <p>Any well-formed secret key of the simulator's mode is valid and names its account by the part
 * after the mode: {@code sk_test_abc} and {@code rk_test_abc} both act on account "abc", the
 * restricted one read-only. So tests make as many accounts as they like without set-up.
 * Thread-safe.
 */
public final class Accounts {

  private static final Pattern KEY =
      Pattern.compile("(sk|rk|pk)_(test|live)_([A-Za-z0-9_]{1,200})");

  private final Map<String, Account> platforms = new ConcurrentHashMap<>();
  private final Map<String, Account> byId = new ConcurrentHashMap<>();
  private final SimClock clock;

  public Accounts(SimClock clock) {
    this.clock = clock;
  }

  /** Who is calling: the platform account and whether the key may write. */
  public record Caller(Account platform, boolean readOnly, String maskedKey) {}

  /** Resolves the {@code Authorization} header, or fails with Stripe's 401. */
  public Caller authenticate(@Nullable String authorization, SimMode mode) {
    if (authorization == null || authorization.isBlank()) {
      throw StripeError.authentication(
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.");
    }
    String key = keyFrom(authorization.strip());
    Matcher matcher = KEY.matcher(key);
    if (!matcher.matches()) {
      throw invalidKey(key);
    }
    if (matcher.group(1).equals("pk")) {
      throw StripeError.authentication(
          "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.");
    }
    if (!matcher.group(2).equals(mode.keyInfix())) {
      throw invalidKey(key);
    }
    String name = matcher.group(3);
    Account account =
        platforms.computeIfAbsent(
            name,
            n -> {
              Account created = new Account(accountId(n), mode == SimMode.LIVE, null, clock);
              byId.put(created.id(), created);
              return created;
            });
    return new Caller(account, matcher.group(1).equals("rk"), mask(key));
  }

  /**
   * The account a request acts on: the caller's platform, or a connected account named by {@code
   * Stripe-Account} (or the last segment of {@code Stripe-Context}).
   */
  public Account actingAs(Caller caller, @Nullable String stripeAccount, @Nullable String context) {
    String target = stripeAccount;
    if (target == null && context != null && !context.isBlank()) {
      target = context.substring(context.lastIndexOf('/') + 1).strip();
    }
    if (target == null || target.isBlank() || target.equals(caller.platform().id())) {
      return caller.platform();
    }
    Account connected = caller.platform().connected(target.strip());
    if (connected == null) {
      throw StripeError.accountInvalid(
          "The provided key '%s' does not have access to account '%s' (or that account does not exist). Application access may have been revoked."
              .formatted(caller.maskedKey(), abbreviate(target)));
    }
    return connected;
  }

  /** Creates a connected account under {@code platform}. */
  public Account connect(Account platform, String accountId) {
    Account account = platform.connect(accountId, clock);
    byId.put(accountId, account);
    return account;
  }

  public @Nullable Account byId(String accountId) {
    return byId.get(accountId);
  }

  public Iterable<Account> platforms() {
    return platforms.values();
  }

  public void clear() {
    platforms.clear();
    byId.clear();
  }

  /** A stable account id for a key name: {@code acct_} + a hash, so it survives restarts. */
  static String accountId(String keyName) {
    long h = 1125899906842597L;
    for (int i = 0; i < keyName.length(); i++) {
      h = 31 * h + keyName.charAt(i);
    }
    return "acct_1" + Long.toString(h & Long.MAX_VALUE, 36).toUpperCase(java.util.Locale.ROOT);
  }

  private static String keyFrom(String authorization) {
    int space = authorization.indexOf(' ');
    if (space < 0) {
      return authorization;
    }
    String scheme = authorization.substring(0, space);
    String credentials = authorization.substring(space + 1).strip();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return credentials;
    }
    if (scheme.equalsIgnoreCase("Basic")) {
      try {
        String decoded =
            new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        return colon < 0 ? decoded : decoded.substring(0, colon);
      } catch (IllegalArgumentException e) {
        return credentials;
      }
    }
    return authorization;
  }

  private static StripeError invalidKey(String key) {
    return StripeError.authentication("Invalid API Key provided: " + mask(key));
  }

  static String mask(String key) {
    int prefixEnd = key.indexOf('_', key.indexOf('_') + 1);
    String prefix = prefixEnd > 0 && prefixEnd < 12 ? key.substring(0, prefixEnd + 1) : "";
    String last4 = key.length() > 4 ? key.substring(key.length() - 4) : "";
    return prefix
        + "*".repeat(Math.min(20, Math.max(4, key.length() - prefix.length() - 4)))
        + last4;
  }

  private static String abbreviate(String value) {
    return value.length() <= 60 ? value : value.substring(0, 60) + "…";
  }
}
