package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * DynamoDB going away and coming back, and DynamoDB that stops answering: every call completes
 * exceptionally instead of hanging, and the tier works again once DynamoDB does.
 */
class DynamoDbTierOutageIT {

  // Far beyond the tier's own limits: a future still open at this point hangs.
  private static final Duration NEVER_HANGS = Duration.ofSeconds(30);

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @TempDir Path directory;

  private TierEntry entry(String name) {
    long now = System.currentTimeMillis();
    return new TierEntry(
        "outage:" + run + ":" + name,
        name.getBytes(StandardCharsets.UTF_8),
        Set.of("cus_" + run + name),
        now,
        now + 600_000);
  }

  private static <T> T await(CompletableFuture<T> future) {
    return future.orTimeout(NEVER_HANGS.toSeconds(), TimeUnit.SECONDS).join();
  }

  @Test
  void callsFailWhileDynamoDbIsDownAndWorkOnceItIsBack() throws Exception {
    try (DynamoDbLocal local = DynamoDbLocal.inDirectory(directory)) {
      DynamoDbTierConfig config =
          DynamoDbTierConfig.builder("edge_cache_outage")
              .endpoint(local.endpoint())
              .createTable(true)
              .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(5))
              .build();
      try (DynamoDbTier tier = DynamoDbLocalExtension.open(config, registry)) {
        TierEntry kept = entry("kept");
        assertThat(await(tier.put(kept))).isTrue();

        local.stop();

        // Refused connections fail each call at once (a connection error, not the call timeout).
        for (CompletableFuture<?> call :
            List.of(
                tier.get(kept.key()),
                tier.getAll(List.of(kept.key())),
                tier.put(entry("while-down")),
                tier.invalidate(List.of("cus_" + run + "kept")))) {
          assertThat(call)
              .failsWithin(NEVER_HANGS)
              .withThrowableThat()
              .havingRootCause()
              .isInstanceOf(java.net.ConnectException.class);
        }
        assertThat(failures("get")).isEqualTo(1);
        assertThat(failures("invalidate")).isEqualTo(1);

        local.start();

        assertThat(await(tier.get(kept.key()))).isEqualTo(kept);
        assertThat(await(tier.put(entry("after")))).isTrue();
        assertThat(await(tier.get(entry("after").key()))).isNotNull();
      }
    }
  }

  @Test
  void aDynamoDbThatNeverAnswersFailsEachCallAtTheCallTimeout() throws Exception {
    // Connections are accepted (by the kernel's backlog) and never read or answered.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      DynamoDbTierConfig config =
          DynamoDbTierConfig.builder("edge_cache_silent")
              .endpoint(URI.create("http://127.0.0.1:" + silent.getLocalPort()))
              .timeouts(Duration.ofSeconds(1), Duration.ofMillis(500))
              .build();
      try (DynamoDbTier tier = DynamoDbLocalExtension.open(config, registry)) {
        for (CompletableFuture<?> call :
            List.of(tier.get(entry("a").key()), tier.put(entry("b")))) {
          // Whichever limit a loaded machine reaches first: the call's, or its last attempt's
          // (which the SDK may wrap in a client exception once retries are spent).
          assertThat(call)
              .failsWithin(NEVER_HANGS)
              .withThrowableThat()
              .satisfies(
                  failure ->
                      assertThat(causes(failure))
                          .anyMatch(
                              cause ->
                                  cause instanceof ApiCallTimeoutException
                                      || cause instanceof ApiCallAttemptTimeoutException));
        }
      }
    }
  }

  private static List<Throwable> causes(Throwable failure) {
    List<Throwable> chain = new java.util.ArrayList<>();
    for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  @Test
  void nothingListeningFailsAClientError() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    DynamoDbTierConfig config =
        DynamoDbTierConfig.builder("edge_cache_nowhere")
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .build();
    try (DynamoDbTier tier = DynamoDbLocalExtension.open(config, registry)) {
      assertThat(tier.get("k"))
          .failsWithin(NEVER_HANGS)
          .withThrowableThat()
          .havingCause()
          .isInstanceOf(SdkClientException.class);
    }
  }

  @Test
  void aClosedTierFailsItsCallsInsteadOfThrowing() throws Exception {
    try (DynamoDbLocal local = DynamoDbLocal.inMemory()) {
      DynamoDbTierConfig config =
          DynamoDbTierConfig.builder("edge_cache_closed")
              .endpoint(local.endpoint())
              .createTable(true)
              .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(5))
              .build();
      DynamoDbTier tier = DynamoDbLocalExtension.open(config, registry);
      tier.close();

      for (CompletableFuture<?> call :
          List.of(
              tier.get("k"),
              tier.getAll(List.of("k")),
              tier.put(entry("closed")),
              tier.invalidate(List.of("cus_" + run)))) {
        assertThat(call).failsWithin(NEVER_HANGS);
      }
    }
  }

  private double failures(String operation) {
    var counter = registry.find("stripe.edge.tier.failures").tag("operation", operation).counter();
    return counter == null ? 0 : counter.count();
  }
}
