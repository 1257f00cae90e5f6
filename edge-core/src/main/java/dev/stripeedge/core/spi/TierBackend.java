package dev.stripeedge.core.spi;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import java.time.Duration;

/**
 * A cache tier below memory ({@code tiers.<name>} in configuration).
 *
 * @param <S> its settings
 */
public interface TierBackend<S extends TierBackend.Settings> extends Backend<S> {

  /** What every tier's settings say, besides its own. */
  interface Settings {

    /** Whether the tier is on. */
    boolean enabled();

    /** Longest wait for a lookup; a slower tier is skipped (and bypassed after failures). */
    Duration timeout();

    /** The bytes it holds at most (for the sizing report); 0 when something else bounds it. */
    default long maxBytes() {
      return 0;
    }

    /** How the pipeline treats it. */
    default TierConfig tierConfig() {
      return TierConfig.defaults().withTimeout(timeout());
    }
  }

  /** Where it is asked after a memory miss: lower first, so the fastest tier comes first. */
  int rank();

  /**
   * Whether other edge instances read the same entries: they then need one cache-key secret, or no
   * entry could be found by another edge.
   */
  boolean shared();

  /** Opens (connects, creates) the tier; the caller closes it. */
  CacheTier open(S settings, StoreContext context);

  @Override
  default boolean enabled(S settings) {
    return settings.enabled();
  }
}
