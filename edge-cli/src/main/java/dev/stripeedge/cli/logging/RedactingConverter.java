package dev.stripeedge.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.pattern.CompositeConverter;
import dev.stripeedge.core.SecretRedactor;

/**
 * Logback conversion word {@code %redact(...)}: the formatted event with secrets removed and folded
 * onto one line.
 *
 * <p>Wrapping the whole pattern (message, MDC and stack trace alike) means no part of an event can
 * carry a key past it. Line breaks inside the event become {@code " | "} so that every event stays
 * one line, as log shippers expect.
 */
public final class RedactingConverter extends CompositeConverter<ILoggingEvent> {

  @Override
  protected String transform(ILoggingEvent event, String in) {
    String oneLine = in.strip().replace("\r\n", "\n").replace("\n\t", " | ").replace("\n", " | ");
    return SecretRedactor.redact(oneLine);
  }
}
