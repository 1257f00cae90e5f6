/**
 * How the runtime finds the stores it is configured with: each store module registers its backends
 * with {@link java.util.ServiceLoader} under the name used in configuration ({@code tiers.redis},
 * {@code budget.shared.redis}, {@code store.backend: sqlite}), so an application embedding the edge
 * carries only the store modules it uses.
 */
@NullMarked
package dev.stripeedge.core.spi;

import org.jspecify.annotations.NullMarked;
