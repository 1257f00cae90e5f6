package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.testkit.TierContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tier contract, against DynamoDB Local over HTTP. */
class DynamoDbTierIT extends TierContract {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  @Override
  protected CacheTier newTier() {
    return DynamoDbLocalExtension.open(
        DYNAMODB.config("edge_cache_contract").build(), new SimpleMeterRegistry());
  }
}
