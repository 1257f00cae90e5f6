/**
 * edge-core's API: the Stripe wire model ({@link dev.stripeedge.core.EdgeRequest}, {@link
 * dev.stripeedge.core.EdgeResponse}), route templates, cache and retry rules, cache keys, the
 * {@link dev.stripeedge.core.Upstream} SPI and the one {@link dev.stripeedge.core.EdgePipeline}.
 */
@NullMarked
package dev.stripeedge.core;

import org.jspecify.annotations.NullMarked;
