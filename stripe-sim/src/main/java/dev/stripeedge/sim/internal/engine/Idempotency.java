package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.internal.wire.StripeError;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stripe's idempotency layer for one account.
 *
 * <p>The first request with a key saves its status and body once it has begun executing, whatever
 * the result (500s included); a repeat with the same parameters replays them, with other parameters
 * it is a 400 {@code idempotency_error}, and while the first is still in flight it is a 409. Keys
 * are kept 24 hours of simulated time. Thread-safe.
 */
final class Idempotency {

  static final int MAX_KEY_LENGTH = 255;
  static final Duration RETENTION = Duration.ofHours(24);

  private final SimClock clock;
  private final Map<String, Record> records = new ConcurrentHashMap<>();
  private long nextSweepMillis;

  Idempotency(SimClock clock) {
    this.clock = clock;
  }

  /** What the layer knows about one key. */
  static final class Record {
    final String fingerprint;
    final String originalRequestId;
    final long createdMillis;
    volatile boolean inFlight = true;
    volatile int status;
    volatile byte[] body = new byte[0];

    Record(String fingerprint, String originalRequestId, long createdMillis) {
      this.fingerprint = fingerprint;
      this.originalRequestId = originalRequestId;
      this.createdMillis = createdMillis;
    }
  }

  /**
   * Starts a request under {@code key}: returns a fresh in-flight record to fill, or a finished one
   * to replay; throws 409 while another is in flight and 400 when the parameters differ.
   */
  Record begin(String key, String fingerprint, String requestId) {
    if (key.length() > MAX_KEY_LENGTH) {
      throw StripeError.invalid(
          null,
          "Invalid idempotency key: must be at most " + MAX_KEY_LENGTH + " characters long.",
          null);
    }
    long now = clock.epochMillis();
    sweep(now);
    Record fresh = new Record(fingerprint, requestId, now);
    Record existing =
        records.compute(key, (k, old) -> old == null || expired(old, now) ? fresh : old);
    if (existing == fresh) {
      return fresh;
    }
    if (existing.inFlight) {
      throw StripeError.idempotencyKeyInUse(key);
    }
    if (!existing.fingerprint.equals(fingerprint)) {
      throw StripeError.idempotencyMismatch(key);
    }
    return existing;
  }

  /** Saves the result for replays; it becomes visible once {@link #release} runs. */
  void complete(Record record, int status, byte[] body) {
    record.status = status;
    record.body = body;
  }

  /** The request ended without a result Stripe would keep: forget the key. */
  void abandon(String key, Record record) {
    records.remove(key, record);
  }

  /** The response left: repeats now replay instead of getting 409. */
  void release(Record record) {
    record.inFlight = false;
  }

  int size() {
    return records.size();
  }

  private boolean expired(Record record, long now) {
    return !record.inFlight && now - record.createdMillis >= RETENTION.toMillis();
  }

  private void sweep(long now) {
    if (now < nextSweepMillis) {
      return;
    }
    nextSweepMillis = now + 60_000;
    records.values().removeIf(record -> expired(record, now));
  }
}
