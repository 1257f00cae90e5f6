package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.SimConfig.FaultKind;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What to send back, when, and what to do once it has left.
 *
 * @param status HTTP status
 * @param headers response headers in order
 * @param body the JSON body
 * @param delayMillis simulated server time to wait before answering
 * @param fault a transport-level fault to act out instead of (or while) answering
 * @param onSent releases locks, permits and idempotency keys; run exactly once
 */
public record SimResponse(
    int status,
    Map<String, String> headers,
    byte[] body,
    long delayMillis,
    @Nullable FaultKind fault,
    Runnable onSent) {}
