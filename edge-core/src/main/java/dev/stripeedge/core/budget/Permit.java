package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeResponse;
import org.jspecify.annotations.Nullable;

/**
 * Budget held by one upstream attempt in flight.
 *
 * <p>Thread-safe; {@link #release} never blocks and only its first call counts.
 */
public interface Permit {

  /** The lane the attempt waited in. */
  Lane lane();

  /** How long the attempt waited for budget. */
  long queuedNanos();

  /**
   * Gives the budget back; {@code response} (null when upstream did not answer) lets the budget
   * learn from 429s.
   */
  void release(@Nullable EdgeResponse response);
}
