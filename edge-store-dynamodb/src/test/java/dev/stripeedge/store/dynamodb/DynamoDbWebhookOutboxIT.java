package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.WebhookOutboxContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The outbox contract against DynamoDB Local, each test on a table of its own. */
class DynamoDbWebhookOutboxIT extends WebhookOutboxContract {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  @Override
  protected EventStore create() {
    return DynamoDbEventStoreIT.store(DYNAMODB, DynamoDbEventStoreIT.freshTable());
  }
}
