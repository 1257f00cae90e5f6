package dev.stripeedge.store.redis;

import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.EventLedgerContract;
import dev.stripeedge.testkit.RedisServerExtension;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ledger contract against a real Redis, each test under a key prefix of its own. */
class RedisEventLedgerIT extends EventLedgerContract {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @Override
  protected EventLedger create() {
    return RedisEventStoreIT.store(redis.uri(), "ledger-" + UUID.randomUUID() + ":");
  }
}
