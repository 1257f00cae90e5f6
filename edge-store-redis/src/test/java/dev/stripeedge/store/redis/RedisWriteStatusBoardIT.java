package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.queue.WriteStatus;
import dev.stripeedge.testkit.RedisServerExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The write status board on a real Redis: two edges' boards on one prefix see each other's
 * statuses, a status only moves forward (out-of-order puts from a slow edge are ignored), a forced
 * put starts a requeued write over, and the key expires after the retention.
 */
class RedisWriteStatusBoardIT {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private static final Instant AT = Instant.parse("2026-12-07T12:00:00Z");
  private static final Duration KEEP = Duration.ofHours(24);

  private final String prefix = "board-" + UUID.randomUUID() + ":";
  private RedisWriteStatusBoard a;
  private RedisWriteStatusBoard b;

  private RedisWriteStatusBoard board() {
    return RedisWriteStatusBoard.connect(
        RedisTierConfig.standalone(redis.uri())
            .withKeyPrefix(prefix)
            .withCommandTimeout(Duration.ofSeconds(5)));
  }

  @BeforeEach
  void open() {
    a = board();
    b = board();
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  private static WriteStatus status(String id, WriteState state, int attempts, String body) {
    return new WriteStatus(
        id,
        state,
        "POST",
        "/v1/customers",
        "key-" + id,
        AT,
        AT.plusSeconds(attempts),
        attempts,
        state == WriteState.SUCCEEDED ? 200 : 0,
        state == WriteState.SUCCEEDED ? "req_1" : null,
        body.getBytes(StandardCharsets.UTF_8),
        state == WriteState.QUEUED && attempts > 0 ? "HTTP 503" : "",
        new byte[] {1, 2, 3});
  }

  @Test
  void oneEdgesStatusesAreReadByAnotherWhole() {
    WriteStatus done = status("aw_1", WriteState.SUCCEEDED, 2, "{\"id\":\"cus_1\"} ünïcode");
    a.put(done, KEEP, false);

    WriteStatus read = b.get("aw_1").orElseThrow();

    assertThat(read).usingRecursiveComparison().isEqualTo(done);
    assertThat(b.get("aw_missing")).isEmpty();
    assertThat(b.getAll(List.of("aw_missing", "aw_1")).keySet()).containsExactly("aw_1");
  }

  @Test
  void aStatusOnlyMovesForward() {
    a.put(status("aw_2", WriteState.QUEUED, 0, ""), KEEP, false);
    b.put(status("aw_2", WriteState.IN_FLIGHT, 1, ""), KEEP, false);
    a.put(status("aw_2", WriteState.QUEUED, 0, ""), KEEP, false); // late: ignored
    assertThat(b.get("aw_2").orElseThrow().state()).isEqualTo(WriteState.IN_FLIGHT);

    b.put(status("aw_2", WriteState.QUEUED, 1, ""), KEEP, false); // a retry after attempt 1
    assertThat(a.get("aw_2").orElseThrow().reason()).isEqualTo("HTTP 503");
    b.put(status("aw_2", WriteState.SUCCEEDED, 2, "ok"), KEEP, false);
    a.put(status("aw_2", WriteState.IN_FLIGHT, 2, ""), KEEP, false); // late: ignored
    assertThat(a.get("aw_2").orElseThrow().state()).isEqualTo(WriteState.SUCCEEDED);

    // An operator's requeue starts it over.
    a.put(status("aw_2", WriteState.QUEUED, 0, ""), KEEP, true);
    assertThat(b.get("aw_2").orElseThrow().state()).isEqualTo(WriteState.QUEUED);
  }

  @Test
  void aStatusExpiresAfterTheRetention() {
    a.put(status("aw_3", WriteState.QUEUED, 0, ""), Duration.ofMinutes(5), false);
    try (RedisClient client = RedisClient.create(redis.uri());
        StatefulRedisConnection<String, String> raw = client.connect()) {
      long ttl = raw.sync().pttl(prefix + "writes:aw_3");
      assertThat(ttl).isBetween(1L, Duration.ofMinutes(5).toMillis());
    }
  }
}
