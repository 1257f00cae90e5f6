package dev.stripeedge.store.dynamodb;

import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClientBuilder;

/** The DynamoDB client the tier and the event store each own: built from the config, closed. */
final class DynamoDbClients {

  private DynamoDbClients() {}

  static DynamoDbAsyncClient newClient(
      DynamoDbTierConfig config,
      @Nullable AwsCredentialsProvider credentials,
      SdkEventLoopGroup loops) {
    DynamoDbAsyncClientBuilder builder =
        DynamoDbAsyncClient.builder()
            .region(Region.of(config.region()))
            .httpClientBuilder(
                NettyNioAsyncHttpClient.builder()
                    .eventLoopGroup(loops)
                    .connectionTimeout(config.connectTimeout())
                    // Waiting for a pooled connection counts against the call, not beyond it.
                    .connectionAcquisitionTimeout(config.apiCallTimeout()))
            .overrideConfiguration(
                o ->
                    o.apiCallTimeout(config.apiCallTimeout())
                        .apiCallAttemptTimeout(config.apiCallAttemptTimeout())
                        .retryStrategy(
                            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(config.maxAttempts())
                                .build()));
    if (credentials != null) {
      builder.credentialsProvider(credentials);
    }
    if (config.endpoint() != null) {
      builder.endpointOverride(config.endpoint());
    }
    return builder.build();
  }

  static void close(DynamoDbAsyncClient client, SdkEventLoopGroup eventLoops) {
    client.close();
    // The tier owns the event loops (the SDK's own would block close() for a 2 s quiet period);
    // nothing runs on them once the client is closed.
    eventLoops.eventLoopGroup().shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }
}
