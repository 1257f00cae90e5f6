package dev.stripeedge.core.webhooks;

class InMemoryEventLedgerTest extends EventLedgerContract {

  @Override
  protected EventLedger create() {
    return EventLedger.inMemory();
  }
}
