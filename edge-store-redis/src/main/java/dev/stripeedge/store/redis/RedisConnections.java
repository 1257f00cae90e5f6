package dev.stripeedge.store.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tier's two Redis connections — commands, and pub/sub (a subscribed connection takes no other
 * commands) — over Lettuce's standalone or cluster client, with the failure behaviour the tier
 * promises: commands time out after {@link RedisTierConfig#commandTimeout()}, are rejected at once
 * while disconnected (never queued), and the client reconnects by itself with a backoff capped at
 * one second.
 *
 * <p>Thread-safe (Lettuce's connections are).
 */
final class RedisConnections implements AutoCloseable {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);

  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<byte[], byte[]> data;
  private final RedisClusterAsyncCommands<byte[], byte[]> commands;
  private final StatefulRedisPubSubConnection<byte[], byte[]> pubSub;

  private RedisConnections(
      ClientResources resources,
      AbstractRedisClient client,
      StatefulConnection<byte[], byte[]> data,
      RedisClusterAsyncCommands<byte[], byte[]> commands,
      StatefulRedisPubSubConnection<byte[], byte[]> pubSub) {
    this.resources = resources;
    this.client = client;
    this.data = data;
    this.commands = commands;
    this.pubSub = pubSub;
  }

  /**
   * Connects both connections.
   *
   * @throws io.lettuce.core.RedisConnectionException when Redis cannot be reached now
   */
  static RedisConnections open(RedisTierConfig config) {
    ClientResources resources =
        ClientResources.builder()
            .reconnectDelay(
                Delay.exponential(
                    Duration.ofMillis(10), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
            .build();
    List<RedisURI> uris = config.uris().stream().map(RedisURI::create).toList();
    try {
      return config.cluster()
          ? cluster(resources, uris, config)
          : standalone(resources, uris, config);
    } catch (RuntimeException e) {
      resources.shutdown(0, 2, TimeUnit.SECONDS);
      throw e;
    }
  }

  private static RedisConnections standalone(
      ClientResources resources, List<RedisURI> uris, RedisTierConfig config) {
    RedisClient client = RedisClient.create(resources);
    client.setOptions(clientOptions(config));
    try {
      var data = client.connect(ByteArrayCodec.INSTANCE, uris.getFirst());
      var pubSub = client.connectPubSub(ByteArrayCodec.INSTANCE, uris.getFirst());
      return new RedisConnections(resources, client, data, data.async(), pubSub);
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw e;
    }
  }

  private static RedisConnections cluster(
      ClientResources resources, List<RedisURI> uris, RedisTierConfig config) {
    RedisClusterClient client = RedisClusterClient.create(resources, uris);
    ClusterClientOptions.Builder options = ClusterClientOptions.builder(clientOptions(config));
    // Adaptive refresh (MOVED, ASK, reconnects) is Lettuce 7's default; add a periodic one so a
    // quiet client also follows slot moves and failed nodes.
    options.topologyRefreshOptions(
        ClusterTopologyRefreshOptions.builder()
            .enablePeriodicRefresh(Duration.ofSeconds(30))
            .build());
    // Not copied from the ClientOptions by builder(...); its setter returns the base builder.
    options.maintNotificationsConfig(MaintNotificationsConfig.disabled());
    client.setOptions(options.build());
    try {
      var data = client.connect(ByteArrayCodec.INSTANCE);
      var pubSub = client.connectPubSub(ByteArrayCodec.INSTANCE);
      return new RedisConnections(resources, client, data, data.async(), pubSub);
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw e;
    }
  }

  private static ClientOptions clientOptions(RedisTierConfig config) {
    return ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
        .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
        // A Redis Enterprise handshake extra that open-source servers refuse (and log).
        .maintNotificationsConfig(MaintNotificationsConfig.disabled())
        .build();
  }

  /** Commands for either kind of server; futures complete on Lettuce's threads. */
  RedisClusterAsyncCommands<byte[], byte[]> commands() {
    return commands;
  }

  /** The connection that only subscribes. */
  StatefulRedisPubSubConnection<byte[], byte[]> pubSub() {
    return pubSub;
  }

  @Override
  public void close() {
    pubSub.close();
    data.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
