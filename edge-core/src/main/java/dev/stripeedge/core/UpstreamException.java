package dev.stripeedge.core;

import org.jspecify.annotations.Nullable;

/**
 * Upstream gave no HTTP answer: the connection failed, was reset, or the answer took too long.
 *
 * <p>The {@link Kind} tells a {@link RetryRule} what happened; the message never contains headers
 * or the API key.
 */
public final class UpstreamException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** How the exchange failed. */
  public enum Kind {
    /** No connection could be opened: nothing reached upstream. */
    CONNECT,
    /** The connection broke mid-exchange: upstream may or may not have acted. */
    RESET,
    /** No answer within the attempt's time: upstream may or may not have acted. */
    TIMEOUT
  }

  private final Kind kind;

  public UpstreamException(Kind kind, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
