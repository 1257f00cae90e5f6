package dev.stripeedge.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What one upstream attempt produced, the input of a {@link RetryRule}.
 *
 * <p>Exactly one of {@code response} and {@code failure} is set.
 *
 * @param request the request as sent (idempotency key included)
 * @param number 1 for the first attempt
 * @param response upstream's answer, or null when there was none
 * @param failure why there was no answer, or null
 * @param elapsed time since the first attempt started
 * @param deadline total time allowed for all attempts of this request
 */
public record Attempt(
    EdgeRequest request,
    int number,
    @Nullable EdgeResponse response,
    @Nullable Throwable failure,
    Duration elapsed,
    Duration deadline) {

  public Attempt {
    if (number < 1) {
      throw new IllegalArgumentException("attempt numbers start at 1: " + number);
    }
    if ((response == null) == (failure == null)) {
      throw new IllegalArgumentException("exactly one of response and failure must be set");
    }
  }
}
