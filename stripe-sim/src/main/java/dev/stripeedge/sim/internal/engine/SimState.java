package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.internal.wire.Ids;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every request shares: configuration, clock, ids, accounts, events.
 *
 * <p>The configuration is swapped whole by the control API; readers see one consistent snapshot.
 */
public final class SimState {

  private final AtomicReference<SimConfig> config;
  private final SimClock clock;
  private final Ids ids;
  private final Accounts accounts;
  private final EventLog events;

  public SimState(SimConfig config, SimClock clock, WebhookSink webhooks) {
    this.config = new AtomicReference<>(config);
    this.clock = clock;
    this.ids = new Ids(config.seed());
    this.accounts = new Accounts(clock);
    this.events = new EventLog(this, webhooks);
  }

  public SimConfig config() {
    return config.get();
  }

  public void config(SimConfig updated) {
    config.set(updated);
  }

  public SimClock clock() {
    return clock;
  }

  public Ids ids() {
    return ids;
  }

  public Accounts accounts() {
    return accounts;
  }

  public EventLog events() {
    return events;
  }
}
