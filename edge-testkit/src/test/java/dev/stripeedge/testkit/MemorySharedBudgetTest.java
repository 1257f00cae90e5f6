package dev.stripeedge.testkit;

import dev.stripeedge.core.budget.SharedBudget;

class MemorySharedBudgetTest extends SharedBudgetContract {

  private MemorySharedBudget.Store store;

  @Override
  protected SharedBudget connect(FakeTime time) {
    if (store == null) {
      store = MemorySharedBudget.store(time);
    }
    return store.connect();
  }

  @Override
  protected void close(SharedBudget budget) {
    ((MemorySharedBudget) budget).close();
  }
}
