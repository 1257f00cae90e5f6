/**
 * The in-process edge for stripe-java: {@link dev.stripeedge.stripejava.EdgeStripeHttpClient}, a
 * {@code com.stripe.net.HttpClient} that runs every API request through an {@link
 * dev.stripeedge.core.EdgePipeline}, and {@link dev.stripeedge.stripejava.EdgeStripe}, the
 * three-line way to get a {@code StripeClient} that uses it.
 */
@NullMarked
package dev.stripeedge.stripejava;

import org.jspecify.annotations.NullMarked;
