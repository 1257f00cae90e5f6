/**
 * The edge inside AWS Lambda: {@link dev.stripeedge.lambda.EdgeLambda} (one runtime and one
 * stripe-java client per execution environment, SnapStart-safe) and the handlers AWS invokes with
 * its own event types.
 */
@NullMarked
package dev.stripeedge.lambda;

import org.jspecify.annotations.NullMarked;
