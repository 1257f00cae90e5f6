package dev.stripeedge.store.dynamodb;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * One in-memory DynamoDB Local for every test class of the run, started before the first and
 * stopped when the run ends. Tests that stop a server start their own {@link DynamoDbLocal}.
 */
final class DynamoDbLocalExtension implements BeforeAllCallback {

  static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

  private volatile URI endpoint = URI.create("http://127.0.0.1:1");

  @Override
  public void beforeAll(ExtensionContext context) {
    Shared shared =
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.create(DynamoDbLocalExtension.class))
            .getOrComputeIfAbsent(Shared.class, type -> Shared.start(), Shared.class);
    endpoint = shared.local().endpoint();
  }

  URI endpoint() {
    return endpoint;
  }

  /**
   * A config on the shared server's table {@code table}, created if missing. DynamoDB Local on a
   * busy two-core machine is far slower than DynamoDB: calls get 10 s instead of 1 s.
   */
  DynamoDbTierConfig.Builder config(String table) {
    return DynamoDbTierConfig.builder(table)
        .endpoint(endpoint)
        .createTable(true)
        .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(5));
  }

  /** A plain client of the shared server, to look at what the tier wrote. */
  DynamoDbAsyncClient client() {
    return DynamoDbAsyncClient.builder()
        .region(Region.US_EAST_1)
        .credentialsProvider(CREDENTIALS)
        .endpointOverride(endpoint)
        .build();
  }

  static DynamoDbTier open(DynamoDbTierConfig config, MeterRegistry registry) {
    return DynamoDbTier.open(config, CREDENTIALS, registry, InstantSource.system());
  }

  private record Shared(DynamoDbLocal local) implements AutoCloseable {
    static Shared start() {
      try {
        return new Shared(DynamoDbLocal.inMemory());
      } catch (Exception e) {
        throw new IllegalStateException("cannot start DynamoDB Local", e);
      }
    }

    @Override
    public void close() throws Exception {
      local.stop();
    }
  }
}
