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

  // Over 400 lines because of the table of Stripe's documented test cards and tokens.

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

  // advice_code and network_decline_code by decline code: inferred from Stripe's decline-code
  // documentation (its "next steps" per code) and the ISO 8583 response codes issuers send, not
  // captured from each test card.
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

  /**
   * On-session payments need 3D Secure first.
   *
   * @param offSessionSucceeds off-session payments go through without it (a card set up for later
   *     use, {@code authenticationRequiredOnSetup}); otherwise they are declined with {@code
   *     authentication_required}
   * @param afterAuthentication the decline once the cardholder has authenticated, or null when the
   *     payment then succeeds
   */
  record RequiresAction(boolean offSessionSucceeds, @Nullable Declined afterAuthentication)
      implements Outcome {}

  private static final RequiresAction ALWAYS_3DS = new RequiresAction(false, null);

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
  private static final Declined INCORRECT_CVC =
      new Declined(
          "incorrect_cvc",
          "incorrect_cvc",
          "Your card's security code is incorrect.",
          "cvc",
          false,
          true);
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
    card("chargeDeclinedIncorrectCvc", "4000000000000127", INCORRECT_CVC);
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
    card("authenticationRequired", "4000002760003184", "visa", "credit", ALWAYS_3DS);
    card(
        "authenticationRequiredOnSetup",
        "4000002500003155",
        "visa",
        "credit",
        new RequiresAction(true, null));
    alias("authenticationRequiredSetupForOffSession", "authenticationRequiredOnSetup");
    card("threeDSecure2Required", "4000000000003220", "visa", "credit", ALWAYS_3DS);
    card("threeDSecureRequired", "4000000000003063", "visa", "credit", ALWAYS_3DS);
    // 3D Secure supported but not required: the payment goes through without it.
    card("threeDSecureOptional", "4000000000003055", "visa", "credit", NORMAL);
    card(
        "authenticationRequiredChargeDeclinedInsufficientFunds",
        "4000008260003178",
        "visa",
        "credit",
        new RequiresAction(
            false,
            decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")));
    // A failing CVC check: Radar's default rule blocks payments whose CVC check fails.
    card("cvcCheckFail", "4000000000000101", INCORRECT_CVC);
    // More brands, by number (Stripe documents no token for these).
    number("2223003122003222", "mastercard", "credit", "US");
    number("371449635398431", "amex", "credit", "US");
    number("6011000990139424", "discover", "credit", "US");
    number("6011981111111113", "discover", "debit", "US");
    number("36227206271667", "diners", "credit", "US");
    number("6200000000000047", "unionpay", "debit", "CN");
    card("visa_cartesBancaires", "4000002500001001", "visa", "credit", "FR");
    card("mastercard_cartesBancaires", "5555552500001001", "mastercard", "credit", "FR");
    // Stripe's cards by issuing country: tok_<country>, pm_card_<country>.
    card("us", "4242424242424242", "visa", "credit", "US");
    card("ar", "4000000320000021", "visa", "credit", "AR");
    card("br", "4000000760000002", "visa", "credit", "BR");
    card("ca", "4000001240000000", "visa", "credit", "CA");
    card("mx", "4000004840008001", "visa", "credit", "MX");
    card("ae", "4000007840000001", "visa", "credit", "AE");
    card("at", "4000000400000008", "visa", "credit", "AT");
    card("be", "4000000560000004", "visa", "credit", "BE");
    card("bg", "4000001000000000", "visa", "credit", "BG");
    card("by", "4000001120000005", "visa", "credit", "BY");
    card("hr", "4000001910000009", "visa", "credit", "HR");
    card("cy", "4000001960000008", "visa", "credit", "CY");
    card("cz", "4000002030000002", "visa", "credit", "CZ");
    card("dk", "4000002080000001", "visa", "credit", "DK");
    card("ee", "4000002330000009", "visa", "credit", "EE");
    card("fi", "4000002460000001", "visa", "credit", "FI");
    card("fr", "4000002500000003", "visa", "credit", "FR");
    card("de", "4000002760000016", "visa", "credit", "DE");
    card("gi", "4000002920000005", "visa", "credit", "GI");
    card("gr", "4000003000000030", "visa", "credit", "GR");
    card("hu", "4000003480000005", "visa", "credit", "HU");
    card("ie", "4000003720000005", "visa", "credit", "IE");
    card("it", "4000003800000008", "visa", "credit", "IT");
    card("lv", "4000004280000005", "visa", "credit", "LV");
    card("li", "4000004380000004", "visa", "credit", "LI");
    card("lt", "4000004400000000", "visa", "credit", "LT");
    card("lu", "4000004420000006", "visa", "credit", "LU");
    card("mt", "4000004700000007", "visa", "credit", "MT");
    card("nl", "4000005280000002", "visa", "credit", "NL");
    card("no", "4000005780000007", "visa", "credit", "NO");
    card("pl", "4000006160000005", "visa", "credit", "PL");
    card("pt", "4000006200000007", "visa", "credit", "PT");
    card("ro", "4000006420000001", "visa", "credit", "RO");
    card("si", "4000007050000006", "visa", "credit", "SI");
    card("sk", "4000007030000001", "visa", "credit", "SK");
    card("es", "4000007240000007", "visa", "credit", "ES");
    card("se", "4000007520000008", "visa", "credit", "SE");
    card("ch", "4000007560000009", "visa", "credit", "CH");
    card("gb", "4000008260000000", "visa", "credit", "GB");
    card("gb_debit", "4000058260000005", "visa", "debit", "GB");
    card("gb_mastercard", "5555558265554449", "mastercard", "credit", "GB");
    card("au", "4000000360000006", "visa", "credit", "AU");
    card("cn", "4000001560000002", "visa", "credit", "CN");
    card("hk", "4000003440000004", "visa", "credit", "HK");
    card("in", "4000003560000008", "visa", "credit", "IN");
    card("jp", "4000003920000003", "visa", "credit", "JP");
    card("my", "4000004580000002", "visa", "credit", "MY");
    card("nz", "4000005540000008", "visa", "credit", "NZ");
    card("sg", "4000007020000003", "visa", "credit", "SG");
    card("th_credit", "4000007640000003", "visa", "credit", "TH");
    card("th_debit", "4000057640000008", "visa", "debit", "TH");
    card("tw", "4000001580000008", "visa", "credit", "TW");
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

  /** A succeeding card issued in {@code country}. */
  private static void card(
      String key, String number, String brand, String funding, String country) {
    Card card = new Card(key, number, brand, funding, country, NORMAL);
    BY_KEY.put(key, card);
    BY_NUMBER.putIfAbsent(number, card);
  }

  /** A succeeding card known only by its number. */
  private static void number(String number, String brand, String funding, String country) {
    BY_NUMBER.putIfAbsent(number, new Card("number", number, brand, funding, country, NORMAL));
  }

  /** Every card the table knows by number, for checks. */
  static java.util.Collection<Card> all() {
    return java.util.List.copyOf(BY_NUMBER.values());
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
