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
    SetupIntents.register(router);
    Charges.register(router);
    Refunds.register(router);
    Disputes.register(router);
    BalanceTransactions.register(router);
    Events.register(router);
    WebhookEndpoints.register(router);
    Products.register(router);
    Prices.register(router);
    Plans.register(router);
    TaxRates.register(router);
    Coupons.register(router);
    CheckoutSessions.register(router);
    Subscriptions.register(router);
    SubscriptionItems.register(router);
    Invoices.register(router);
    return router;
  }
}
