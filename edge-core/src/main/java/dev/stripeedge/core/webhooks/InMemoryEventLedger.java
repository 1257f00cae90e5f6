package dev.stripeedge.core.webhooks;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** {@link EventLedger#inMemory()}: two sets under one lock. */
final class InMemoryEventLedger implements EventLedger {

  private final Set<String> events = new HashSet<>();
  private final Set<String> changes = new HashSet<>();
  private @Nullable String cursor;
  private boolean closed;

  @Override
  public synchronized Recorded record(StripeEvent event, Instant receivedAt) {
    open();
    if (events.contains(event.id())) {
      return Recorded.DUPLICATE_EVENT;
    }
    String objectId = event.objectId();
    if (objectId != null
        && !changes.add(objectId + '\u0000' + event.type() + '\u0000' + event.created())) {
      return Recorded.DUPLICATE_CHANGE;
    }
    events.add(event.id());
    return Recorded.NEW;
  }

  @Override
  public synchronized boolean contains(String eventId) {
    open();
    return events.contains(eventId);
  }

  @Override
  public synchronized @Nullable String cursor() {
    open();
    return cursor;
  }

  @Override
  public synchronized void advance(String eventId) {
    open();
    cursor = eventId;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private void open() {
    if (closed) {
      throw new IllegalStateException("the ledger is closed");
    }
  }
}
