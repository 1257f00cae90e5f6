package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.webhooks.EventLedger;
import dev.stripeedge.core.webhooks.EventLedgerContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ledger contract against DynamoDB Local, each test on a table of its own. */
class DynamoDbEventLedgerIT extends EventLedgerContract {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  @Override
  protected EventLedger create() {
    return DynamoDbEventStoreIT.store(DYNAMODB, DynamoDbEventStoreIT.freshTable());
  }
}
