package dev.stripeedge.core.webhooks;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** {@link EventLedger#inMemory()}: two sets and the unapplied events under one lock. */
final class InMemoryEventLedger implements EventLedger {

  private final Set<String> events = new HashSet<>();
  private final Set<String> changes = new HashSet<>();
  // In recording order, so the oldest come first.
  private final Map<String, Unapplied> unapplied = new LinkedHashMap<>();
  // By account; the platform's under "".
  private final Map<String, String> cursors = new HashMap<>();
  private final Set<String> accounts = new LinkedHashSet<>();
  private boolean closed;

  @Override
  public synchronized Recorded record(StripeEvent event, Instant receivedAt) {
    open();
    if (events.contains(event.id())) {
      return Recorded.DUPLICATE_EVENT;
    }
    String objectId = event.objectId();
    boolean newChange =
        objectId == null
            || changes.add(objectId + '\u0000' + event.type() + '\u0000' + event.created());
    // A double event is journaled under its own id too.
    events.add(event.id());
    if (event.account() != null) {
      accounts.add(event.account());
    }
    unapplied.put(event.id(), new Unapplied(event.id(), event.objectIds(), receivedAt));
    return newChange ? Recorded.NEW : Recorded.DUPLICATE_CHANGE;
  }

  @Override
  public synchronized boolean contains(String eventId) {
    open();
    return events.contains(eventId);
  }

  @Override
  public synchronized void markApplied(Collection<String> eventIds) {
    open();
    eventIds.forEach(unapplied::remove);
  }

  @Override
  public synchronized List<Unapplied> unapplied(Instant receivedBefore, int limit) {
    open();
    List<Unapplied> found = new ArrayList<>();
    for (Unapplied event : unapplied.values()) {
      if (found.size() == limit) {
        break;
      }
      if (event.receivedAt().isBefore(receivedBefore)) {
        found.add(event);
      }
    }
    return found;
  }

  @Override
  public synchronized @Nullable String cursor(String account) {
    open();
    return cursors.get(account);
  }

  @Override
  public synchronized void advance(String account, String eventId) {
    open();
    cursors.put(account, eventId);
  }

  @Override
  public synchronized List<String> accounts() {
    open();
    return List.copyOf(accounts);
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
