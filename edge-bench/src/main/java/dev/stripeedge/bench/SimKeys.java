package dev.stripeedge.bench;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * API keys for a simulator the bench starts itself: made afresh for each run, so nothing shaped
 * like a Stripe key is committed. The simulator gives every new key its own account, in the mode
 * its prefix names.
 */
public final class SimKeys {

  private SimKeys() {}

  /** A live-mode key ({@code sk_live_…}): Stripe's live limits (100/s) apply to it. */
  public static String live(String purpose) {
    return "sk_live_" + purpose + "_" + token();
  }

  /** A test-mode key ({@code sk_test_…}): the sandbox limits (25/s) apply to it. */
  public static String test(String purpose) {
    return "sk_test_" + purpose + "_" + token();
  }

  private static String token() {
    byte[] bytes = new byte[12];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
