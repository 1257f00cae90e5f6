package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Router;

/** Every resource the simulator implements, registered on one router. */
public final class Resources {

  private Resources() {}

  public static Router router() {
    Router router = new Router();
    ConnectAccounts.register(router);
    Customers.register(router);
    PaymentMethods.register(router);
    Sources.register(router);
    PaymentIntents.register(router);
    Charges.register(router);
    Refunds.register(router);
    Events.register(router);
    WebhookEndpoints.register(router);
    return router;
  }
}
