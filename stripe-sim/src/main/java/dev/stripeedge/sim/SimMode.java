package dev.stripeedge.sim;

/** Which keys the simulator accepts, and so which of Stripe's limits and {@code livemode} apply. */
public enum SimMode {
  /** Accepts {@code sk_test_}/{@code rk_test_} keys; sandbox limits (25 req/s global). */
  TEST,
  /** Accepts {@code sk_live_}/{@code rk_live_} keys; live limits (100 req/s global). */
  LIVE;

  /** The key infix this mode accepts: {@code "test"} or {@code "live"}. */
  public String keyInfix() {
    return this == TEST ? "test" : "live";
  }
}
