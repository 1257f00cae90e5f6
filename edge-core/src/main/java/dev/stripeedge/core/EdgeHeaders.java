package dev.stripeedge.core;

/**
 * The headers the edge itself reads or writes, besides Stripe's: one list for the core, the server,
 * the CLI and the benchmarks. Header names are case-insensitive; these are the spellings the edge
 * writes.
 */
public final class EdgeHeaders {

  /** Request: {@code bypass} sends this request upstream, neither looked up nor stored. */
  public static final String CACHE = "Stripe-Edge-Cache";

  /** Request: a deadline for all attempts, in milliseconds, lower than the configured one. */
  public static final String DEADLINE_MS = "Stripe-Edge-Deadline-Ms";

  /** Request: {@code objects} on a list stores each object it holds as its own retrieve. */
  public static final String WARM = "Stripe-Edge-Warm";

  /** Response: how many objects a warming list stored. */
  public static final String WARMED = "Stripe-Edge-Warmed";

  /** Response: {@code budget} on the edge's own 429, sent when the budget refused the request. */
  public static final String REFUSED = "Stripe-Edge-Refused";

  /** Response: what the edge did with the idempotency key of a write sent without one. */
  public static final String IDEMPOTENCY = "Stripe-Edge-Idempotency";

  private EdgeHeaders() {}
}
