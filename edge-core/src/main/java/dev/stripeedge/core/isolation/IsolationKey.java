package dev.stripeedge.core.isolation;

/**
 * What isolation tells apart: an account, the connected account it acts for, and a route.
 *
 * @param account a keyed hash of the API key (never the key), shortened
 * @param connected the {@code Stripe-Account} header, or empty
 * @param route method and route label ({@code GET /v1/invoices}): from a bounded set
 */
public record IsolationKey(String account, String connected, String route) {

  /** The siblings' group: same account and route, any connected account. */
  IsolationKey group() {
    return new IsolationKey(account, "", route);
  }

  @Override
  public String toString() {
    return account + (connected.isEmpty() ? "" : "/" + connected) + " " + route;
  }
}
