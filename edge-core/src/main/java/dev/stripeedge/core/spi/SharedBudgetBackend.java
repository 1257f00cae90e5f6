package dev.stripeedge.core.spi;

import dev.stripeedge.core.budget.SharedBudget;
import dev.stripeedge.core.budget.SharedBudgetConfig;

/**
 * A rate budget shared by every edge instance ({@code budget.shared.<name>} in configuration).
 *
 * @param <S> its settings
 */
public interface SharedBudgetBackend<S> extends Backend<S> {

  /** How the shaper leases from it. */
  SharedBudgetConfig config(S settings);

  /**
   * Connects; returns while the store is down too (the shaper spends its local share until it
   * answers). The result is {@link AutoCloseable} when it holds connections.
   */
  SharedBudget connect(S settings, StoreContext context);
}
