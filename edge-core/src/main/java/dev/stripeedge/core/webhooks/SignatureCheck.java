package dev.stripeedge.core.webhooks;

/** The outcome of checking one {@code Stripe-Signature} header: a closed choice. */
public sealed interface SignatureCheck {

  /**
   * The payload was signed with one of the configured secrets within the tolerance.
   *
   * @param timestamp the header's {@code t}, Unix seconds
   */
  record Valid(long timestamp) implements SignatureCheck {}

  /**
   * The delivery must not be trusted.
   *
   * @param reason why, for counting
   * @param message why, for the sender; never contains a secret or an expected signature
   */
  record Refused(Reason reason, String message) implements SignatureCheck {}

  /** Why a signature was refused; the names become metric tags in lower case. */
  enum Reason {
    /** No {@code Stripe-Signature} header. */
    MISSING_HEADER,
    /** No usable {@code t=} timestamp (absent, not a number, or not positive). */
    MALFORMED_HEADER,
    /** No {@code v1=} entry ({@code v0} and unknown schemes are ignored). */
    NO_V1_SIGNATURE,
    /** No {@code v1} matched any configured secret. */
    SIGNATURE_MISMATCH,
    /** Signed correctly, but longer ago than the tolerance: a replay. */
    STALE_TIMESTAMP
  }
}
