package dev.stripeedge.sim.internal.resources;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Stripe's test cards: magic tokens ({@code tok_visa}), payment methods ({@code pm_card_visa}) and
 * raw numbers, each mapped to a card and what happens when it is charged.
 *
 * <p>Pure data and lookup; immutable and thread-safe. A number not in the table but passing the
 * Luhn check is a succeeding card of the brand its prefix names.
 */
final class TestCards {

  /** What charging a card does. */
  sealed interface Outcome {}

  /**
   * The charge succeeds.
   *
   * @param riskLevel Radar's {@code outcome.risk_level}
   * @param riskScore Radar's {@code outcome.risk_score}
   */
  record Succeeds(String riskLevel, long riskScore) implements Outcome {}

  /**
   * The charge is declined with a 402.
   *
   * @param code the error's {@code code}
   * @param declineCode the error's {@code decline_code}
   * @param message the error message
   * @param param the error's {@code param} ({@code cvc}, {@code exp_month}) or null
   * @param blocked Radar blocked it (outcome type {@code blocked}, never sent to the network)
   * @param onAttach attaching the card to a customer also fails (false for {@code
   *     chargeCustomerFail})
   */
  record Declined(
      String code,
      String declineCode,
      String message,
      @Nullable String param,
      boolean blocked,
      boolean onAttach)
      implements Outcome {

    /**
     * Stripe's {@code advice_code}: what to do next ({@code try_again_later}, {@code
     * do_not_try_again}, {@code confirm_card_data}), or null where the decline gives no advice (a
     * generic decline, a Radar block, a request for authentication).
     */
    @Nullable String adviceCode() {
      return blocked ? null : ADVICE.get(declineCode);
    }

    /**
     * The issuer's own response code ({@code network_decline_code}, ISO 8583: 51 insufficient
     * funds, 54 expired), or null when the network never answered (Radar blocked it, Stripe failed
     * to process it, 3D Secure is needed first).
     */
    @Nullable String networkDeclineCode() {
      return blocked ? null : NETWORK_CODES.get(declineCode);
    }
  }

  private static final Map<String, String> ADVICE =
      Map.of(
          "insufficient_funds", "try_again_later",
          "card_velocity_exceeded", "try_again_later",
          "processing_error", "try_again_later",
          "lost_card", "do_not_try_again",
          "stolen_card", "do_not_try_again",
          "expired_card", "confirm_card_data",
          "incorrect_cvc", "confirm_card_data");

  private static final Map<String, String> NETWORK_CODES =
      Map.of(
          "generic_decline", "05",
          "insufficient_funds", "51",
          "lost_card", "41",
          "stolen_card", "43",
          "expired_card", "54",
          "incorrect_cvc", "N7",
          "card_velocity_exceeded", "61");

  /**
   * A charge that succeeds and is then disputed by the cardholder, as Stripe's dispute test cards
   * do.
   *
   * @param reason the dispute's {@code reason}
   * @param inquiry an inquiry (status {@code warning_needs_response}, funds not withdrawn) rather
   *     than a chargeback ({@code needs_response})
   * @param networkReasonCode the card network's reason code for the dispute
   */
  record Dispute(String reason, boolean inquiry, String networkReasonCode) {}

  /**
   * What the issuer says about the billing address (Stripe's AVS test cards): each of {@code pass},
   * {@code fail}, {@code unavailable}.
   */
  record AddressChecks(String line1, String postalCode) {}

  /** On-session payments need 3D Secure first; off-session ones are declined. */
  record RequiresAction() implements Outcome {}

  /**
   * One test card.
   *
   * @param key the name tokens and payment methods use ({@code visa}, {@code chargeDeclined})
   * @param number the full card number
   * @param brand lowercase brand as payment methods show it ({@code visa}, {@code amex})
   * @param funding {@code credit}, {@code debit} or {@code prepaid}
   * @param country two-letter issuing country
   * @param outcome what charging it does
   */
  record Card(
      String key, String number, String brand, String funding, String country, Outcome outcome) {

    String last4() {
      return number.substring(number.length() - 4);
    }

    /** The brand as card and token objects spell it ({@code Visa}, {@code American Express}). */
    String legacyBrand() {
      return switch (brand) {
        case "visa" -> "Visa";
        case "mastercard" -> "MasterCard";
        case "amex" -> "American Express";
        case "discover" -> "Discover";
        case "diners" -> "Diners Club";
        case "jcb" -> "JCB";
        case "unionpay" -> "UnionPay";
        default -> "Unknown";
      };
    }

    /** A stable per-number fingerprint, as Stripe gives the same card the same one. */
    String fingerprint() {
      long h = 1125899906842597L;
      for (int i = 0; i < number.length(); i++) {
        h = 31 * h + number.charAt(i);
      }
      String hex = Long.toHexString(h ^ (h >>> 29)).toUpperCase(Locale.ROOT);
      return ("Fp" + hex + "0000000000000000").substring(0, 16);
    }

    String iin() {
      return number.substring(0, 6);
    }
  }

  private static final Succeeds NORMAL = new Succeeds("normal", 32);
  private static final String DECLINED = "Your card was declined.";

  private static final Map<String, Card> BY_KEY = new HashMap<>();
  private static final Map<String, Card> BY_NUMBER = new HashMap<>();
  private static final Map<String, Dispute> DISPUTES = new HashMap<>();
  private static final Map<String, AddressChecks> ADDRESS_CHECKS = new HashMap<>();

  static {
    card("visa", "4242424242424242", "visa", "credit", NORMAL);
    card("mastercard", "5555555555554444", "mastercard", "credit", NORMAL);
    card("amex", "378282246310005", "amex", "credit", NORMAL);
    card("discover", "6011111111111117", "discover", "credit", NORMAL);
    card("diners", "3056930009020004", "diners", "credit", NORMAL);
    card("jcb", "3566002020360505", "jcb", "credit", NORMAL);
    card("unionpay", "6200000000000005", "unionpay", "credit", NORMAL);
    card("mastercard_prepaid", "5105105105105100", "mastercard", "prepaid", NORMAL);
    // Stripe's address verification cards: the charge succeeds, the checks say otherwise.
    checked("avsFail", "4000000000000010", new AddressChecks("fail", "fail"));
    checked("avsLine1Fail", "4000000000000028", new AddressChecks("fail", "pass"));
    checked("avsZipFail", "4000000000000036", new AddressChecks("pass", "fail"));
    checked("avsUnchecked", "4000000000000044", new AddressChecks("unavailable", "unavailable"));
    // Stripe's dispute cards: the payment succeeds, then the cardholder disputes it.
    disputed("createDispute", "4000000000000259", new Dispute("fraudulent", false, "10.4"));
    disputed(
        "createDisputeProductNotReceived",
        "4000000000002685",
        new Dispute("product_not_received", false, "13.1"));
    disputed("createDisputeInquiry", "4000000000001976", new Dispute("fraudulent", true, "10.4"));
    card("visa_debit", "4000056655665556", "visa", "debit", NORMAL);
    card("mastercard_debit", "5200828282828210", "mastercard", "debit", NORMAL);
    card("bypassPending", "4000000000000077", "visa", "credit", NORMAL);
    card("riskLevelElevated", "4000000000009235", "visa", "credit", new Succeeds("elevated", 74));
    card("riskLevelHighest", "4000000000004954", "visa", "credit", new Succeeds("highest", 95));
    card(
        "chargeDeclined",
        "4000000000000002",
        decline("card_declined", "generic_decline", DECLINED));
    card(
        "chargeDeclinedInsufficientFunds",
        "4000000000009995",
        decline("card_declined", "insufficient_funds", "Your card has insufficient funds."));
    card(
        "chargeDeclinedLostCard",
        "4000000000009987",
        decline("card_declined", "lost_card", DECLINED));
    card(
        "chargeDeclinedStolenCard",
        "4000000000009979",
        decline("card_declined", "stolen_card", DECLINED));
    card(
        "chargeDeclinedFraudulent",
        "4100000000000019",
        new Declined("card_declined", "fraudulent", DECLINED, null, true, true));
    card(
        "chargeDeclinedIncorrectCvc",
        "4000000000000127",
        new Declined(
            "incorrect_cvc",
            "incorrect_cvc",
            "Your card's security code is incorrect.",
            "cvc",
            false,
            true));
    card(
        "chargeDeclinedExpiredCard",
        "4000000000000069",
        new Declined(
            "expired_card", "expired_card", "Your card has expired.", "exp_month", false, true));
    card(
        "chargeDeclinedProcessingError",
        "4000000000000119",
        decline(
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit."));
    card(
        "chargeDeclinedVelocityLimitExceeded",
        "4000000000006975",
        decline(
            "card_declined",
            "card_velocity_exceeded",
            "Your card was declined for making repeated attempts too frequently or exceeding its"
                + " amount limit."));
    card(
        "chargeCustomerFail",
        "4000000000000341",
        new Declined("card_declined", "generic_decline", DECLINED, null, false, false));
    card("authenticationRequired", "4000002760003184", "visa", "credit", new RequiresAction());
    card(
        "authenticationRequiredOnSetup",
        "4000002500003155",
        "visa",
        "credit",
        new RequiresAction());
    card("threeDSecure2Required", "4000000000003220", "visa", "credit", new RequiresAction());
    // Stripe's aliases: pm_card_visa_chargeDeclined… name the same cards.
    alias("visa_chargeDeclined", "chargeDeclined");
    alias("visa_chargeDeclinedInsufficientFunds", "chargeDeclinedInsufficientFunds");
    alias("visa_chargeDeclinedLostCard", "chargeDeclinedLostCard");
    alias("visa_chargeDeclinedStolenCard", "chargeDeclinedStolenCard");
    alias("radarBlock", "chargeDeclinedFraudulent");
  }

  private TestCards() {}

  /** The dispute that follows a successful charge of the card with this fingerprint, or null. */
  static @Nullable Dispute dispute(@Nullable Object fingerprint) {
    for (Map.Entry<String, Dispute> entry : DISPUTES.entrySet()) {
      if (BY_NUMBER.get(entry.getKey()).fingerprint().equals(fingerprint)) {
        return entry.getValue();
      }
    }
    return null;
  }

  /** The address checks an AVS test card reports, or null (no address given, no check). */
  static @Nullable AddressChecks addressChecks(Card card) {
    return ADDRESS_CHECKS.get(card.number());
  }

  /** The card a magic token names ({@code tok_visa}), or null. */
  static @Nullable Card token(String token) {
    return token.startsWith("tok_") ? BY_KEY.get(token.substring(4)) : null;
  }

  /** The card a magic payment method names ({@code pm_card_visa}), or null. */
  static @Nullable Card paymentMethod(String id) {
    return id.startsWith("pm_card_") ? BY_KEY.get(id.substring(8)) : null;
  }

  /**
   * The card for a raw number: a table entry, else a succeeding card of the prefix's brand; null
   * when the number fails the Luhn check (Stripe's {@code incorrect_number}).
   */
  static @Nullable Card number(String raw) {
    String number = raw.replace(" ", "").replace("-", "");
    Card known = BY_NUMBER.get(number);
    if (known != null) {
      return known;
    }
    if (number.length() < 12 || number.length() > 19 || !luhn(number)) {
      return null;
    }
    return new Card("number", number, brandOf(number), "credit", "US", NORMAL);
  }

  private static String brandOf(String number) {
    if (number.startsWith("34") || number.startsWith("37")) {
      return "amex";
    }
    if (number.startsWith("30") || number.startsWith("36") || number.startsWith("38")) {
      return "diners";
    }
    if (number.startsWith("35")) {
      return "jcb";
    }
    if (number.startsWith("62")) {
      return "unionpay";
    }
    if (number.startsWith("5") || number.startsWith("2")) {
      return "mastercard";
    }
    if (number.startsWith("6")) {
      return "discover";
    }
    return number.startsWith("4") ? "visa" : "unknown";
  }

  private static boolean luhn(String number) {
    int sum = 0;
    boolean doubled = false;
    for (int i = number.length() - 1; i >= 0; i--) {
      char c = number.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      int digit = c - '0';
      if (doubled) {
        digit *= 2;
        if (digit > 9) {
          digit -= 9;
        }
      }
      sum += digit;
      doubled = !doubled;
    }
    return sum % 10 == 0;
  }

  private static Declined decline(String code, String declineCode, String message) {
    return new Declined(code, declineCode, message, null, false, true);
  }

  private static void card(String key, String number, Outcome outcome) {
    card(key, number, "visa", "credit", outcome);
  }

  private static void card(
      String key, String number, String brand, String funding, Outcome outcome) {
    Card card = new Card(key, number, brand, funding, "US", outcome);
    BY_KEY.put(key, card);
    BY_NUMBER.putIfAbsent(number, card);
  }

  private static void checked(String key, String number, AddressChecks checks) {
    card(key, number, "visa", "credit", NORMAL);
    ADDRESS_CHECKS.put(number, checks);
  }

  private static void disputed(String key, String number, Dispute dispute) {
    card(key, number, "visa", "credit", NORMAL);
    DISPUTES.put(number, dispute);
  }

  private static void alias(String alias, String key) {
    BY_KEY.put(alias, BY_KEY.get(key));
  }
}
