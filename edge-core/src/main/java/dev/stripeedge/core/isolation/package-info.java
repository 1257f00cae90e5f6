/**
 * Isolation: one slow or failing account, connected account or route kept from hurting the rest.
 * {@link dev.stripeedge.core.isolation.Anomalies} keeps decaying statistics per {@link
 * dev.stripeedge.core.isolation.IsolationKey} and flags keys by the pure {@link
 * dev.stripeedge.core.isolation.AnomalyRule}; {@link dev.stripeedge.core.isolation.Isolation}
 * contains them (a bulkhead per flagged key, a circuit breaker per route, both resilience4j's).
 */
@NullMarked
package dev.stripeedge.core.isolation;

import org.jspecify.annotations.NullMarked;
