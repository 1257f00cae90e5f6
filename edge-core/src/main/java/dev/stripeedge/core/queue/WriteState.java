package dev.stripeedge.core.queue;

import java.util.Locale;

/** Where an asynchronous write is: a closed set, shown by the status resource. */
public enum WriteState {
  /** Accepted and durable, waiting for a worker (or for its next delivery after a retry). */
  QUEUED,
  /** A worker holds it and is calling Stripe. */
  IN_FLIGHT,
  /** Stripe answered 2xx; its status, body and {@code Request-Id} are kept. */
  SUCCEEDED,
  /** Stripe refused it for good (a 4xx it will not change its mind about); its error is kept. */
  FAILED,
  /** Given up: attempts exhausted or the idempotency window nearly over; the reason is kept. */
  DEAD;

  /** Lower-case name, for JSON, metric tags and query parameters. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the write is over (succeeded, failed or dead). */
  public boolean finished() {
    return this == SUCCEEDED || this == FAILED || this == DEAD;
  }

  /**
   * The state a tag names ({@code dead}, any case).
   *
   * @throws IllegalArgumentException an unknown name
   */
  public static WriteState ofTag(String tag) {
    for (WriteState state : values()) {
      if (state.tag().equalsIgnoreCase(tag)) {
        return state;
      }
    }
    throw new IllegalArgumentException(
        "unknown write state (queued, in_flight, succeeded, failed, dead): " + tag);
  }
}
