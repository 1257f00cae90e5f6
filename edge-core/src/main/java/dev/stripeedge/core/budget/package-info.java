/**
 * Budget shaping under Stripe's rate limits: the {@link dev.stripeedge.core.budget.Budget} SPI, its
 * {@link dev.stripeedge.core.budget.BudgetConfig}, priority {@link
 * dev.stripeedge.core.budget.Lane}s chosen by a {@link dev.stripeedge.core.budget.LaneRule}, and
 * the admission outcome ({@link dev.stripeedge.core.budget.Admission}).
 */
@NullMarked
package dev.stripeedge.core.budget;

import org.jspecify.annotations.NullMarked;
