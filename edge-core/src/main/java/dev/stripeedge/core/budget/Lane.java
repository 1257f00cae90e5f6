package dev.stripeedge.core.budget;

import java.util.Locale;

/** A priority lane of the budget: who is served first when requests outrun the budget. */
public enum Lane {
  /** Calls that make money: payment writes, checkout. Has a reserved share of the global rate. */
  CRITICAL,
  /** Everything not said otherwise. */
  NORMAL,
  /** Reconciliation, backfills, reports, lists: served with what the others leave, never zero. */
  BACKGROUND;

  /** Lower-case name, for metric tags and messages. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
