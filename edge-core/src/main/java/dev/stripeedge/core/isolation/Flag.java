package dev.stripeedge.core.isolation;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A key found anomalous: why, since when, and the figures last judged.
 *
 * @param key the key
 * @param reason why it was flagged
 * @param why the deciding figures, for people
 * @param since when it was flagged
 * @param until when it was cleared, or null while it stands
 * @param figures its statistics when last judged
 */
public record Flag(
    IsolationKey key,
    AnomalyRule.Reason reason,
    String why,
    Instant since,
    @Nullable Instant until,
    KeyFigures figures) {}
