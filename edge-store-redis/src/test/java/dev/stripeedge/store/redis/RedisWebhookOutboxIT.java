package dev.stripeedge.store.redis;

import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.WebhookOutboxContract;
import dev.stripeedge.testkit.RedisServerExtension;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The outbox contract against a real Redis, each test under a key prefix of its own. */
class RedisWebhookOutboxIT extends WebhookOutboxContract {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @Override
  protected EventStore create() {
    return RedisEventStoreIT.store(redis.uri(), "outbox-" + UUID.randomUUID() + ":");
  }
}
