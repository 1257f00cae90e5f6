package dev.stripeedge.core.queue;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What the status resource shows of one write. Immutable; the body array is owned by the record.
 *
 * @param id the write's id
 * @param state where it is
 * @param method the write's method
 * @param path the write's path
 * @param idempotencyKey the key of every attempt
 * @param acceptedAt when the edge accepted it
 * @param updatedAt when its state last changed
 * @param attempts deliveries so far
 * @param resultStatus Stripe's status of the last answer, 0 before any
 * @param requestId Stripe's {@code Request-Id} of the last answer, or null
 * @param resultBody Stripe's body of the last answer (the object, or its error), empty before any
 * @param reason why it is dead, or the last retried failure; empty when none
 * @param ownerHash SHA-256 of the write's {@code Authorization} value: only the same API key may
 *     read the status
 */
public record WriteStatus(
    String id,
    WriteState state,
    String method,
    String path,
    String idempotencyKey,
    Instant acceptedAt,
    Instant updatedAt,
    int attempts,
    int resultStatus,
    @Nullable String requestId,
    byte[] resultBody,
    String reason,
    byte[] ownerHash) {

  /** This status with {@code body} as its result body. */
  public WriteStatus withResultBody(byte[] body) {
    return new WriteStatus(
        id,
        state,
        method,
        path,
        idempotencyKey,
        acceptedAt,
        updatedAt,
        attempts,
        resultStatus,
        requestId,
        body,
        reason,
        ownerHash);
  }

  @Override
  public String toString() {
    return "WriteStatus[" + id + ", " + state.tag() + ", " + method + " " + path + "]";
  }
}
