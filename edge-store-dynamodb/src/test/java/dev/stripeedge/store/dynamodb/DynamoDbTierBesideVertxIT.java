package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.Version;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sidecar's Vert.x and this tier's SDK in one JVM on one Netty (vertx-core 5.0.5's 4.2.7), with
 * DynamoDB Local's Jetty beside them: all three serve at once.
 */
class DynamoDbTierBesideVertxIT {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  @Test
  void vertxAndTheTierWorkSideBySideOnOneNetty() throws Exception {
    assertThat(Version.identify().get("netty-common").artifactVersion()).startsWith("4.2.");
    Vertx vertx = Vertx.vertx();
    try (DynamoDbTier tier =
        DynamoDbLocalExtension.open(
            DYNAMODB.config("edge_cache_vertx").build(), new SimpleMeterRegistry())) {
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(request -> request.response().end("pong"))
              .listen(0, "127.0.0.1")
              .await(10, TimeUnit.SECONDS);
      long now = System.currentTimeMillis();
      TierEntry entry =
          new TierEntry("vertx:k", new byte[] {7}, Set.of("cus_vertx"), now, now + 60_000);

      assertThat(tier.put(entry).get(30, TimeUnit.SECONDS)).isTrue();
      // Held in a variable and closed: Vert.x closes a client its caller no longer references
      // when the garbage collector finds it, which under load fails the request in flight with
      // "Pool closed".
      HttpClient client = vertx.createHttpClient();
      Buffer body =
          client
              .request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
              .compose(request -> request.send().compose(response -> response.body()))
              .await(10, TimeUnit.SECONDS);

      client.close().await(10, TimeUnit.SECONDS);

      assertThat(body.toString(StandardCharsets.UTF_8)).isEqualTo("pong");
      assertThat(tier.get("vertx:k").get(30, TimeUnit.SECONDS)).isEqualTo(entry);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
