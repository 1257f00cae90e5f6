package dev.stripeedge.sim.internal.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.internal.engine.Account;
import dev.stripeedge.sim.internal.engine.SimClock;
import dev.stripeedge.sim.internal.engine.SimRequest;
import dev.stripeedge.sim.internal.engine.SimResponse;
import dev.stripeedge.sim.internal.engine.SimState;
import dev.stripeedge.sim.internal.engine.Simulator;
import dev.stripeedge.sim.internal.engine.WebhookSink;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class PaymentMethodsLockTest {

  private static final String KEY = "Bearer sk_test_lock";

  @Test
  void retrievingAMagicIdStoresItUnderTheAccountWriteLock() throws Exception {
    SimState state =
        new SimState(SimConfig.forTests(), SimClock.manual(1_700_000_000_000L), WebhookSink.NONE);
    Simulator simulator = new Simulator(state, Resources.router());
    Account account = state.accounts().authenticate(KEY, SimMode.TEST).platform();
    ReentrantLock lock = account.writeLock();

    lock.lock();
    CompletableFuture<SimResponse> retrieve;
    try {
      retrieve =
          CompletableFuture.supplyAsync(
              () ->
                  simulator.handle(
                      new SimRequest(
                          "GET",
                          "/v1/payment_methods/pm_card_visa",
                          "",
                          Map.of("authorization", KEY),
                          new byte[0])));
      // Either the retrieve waits for the lock, or it stored the object without it.
      while (!retrieve.isDone() && !lock.hasQueuedThreads()) {
        Thread.onSpinWait();
      }
      assertThat(retrieve).isNotDone();
      assertThat(account.collection(PaymentMethods.CRUD.type()).size()).isZero();
    } finally {
      lock.unlock();
    }

    SimResponse response = retrieve.get(10, TimeUnit.SECONDS);
    response.onSent().run();
    assertThat(response.status()).isEqualTo(200);
    assertThat(account.collection(PaymentMethods.CRUD.type()).size()).isEqualTo(1);
  }
}
