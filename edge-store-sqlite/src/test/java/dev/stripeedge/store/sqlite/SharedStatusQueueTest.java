package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.queue.CredentialSeal;
import dev.stripeedge.core.queue.SharedStatusQueue;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.queue.WriteStatus;
import dev.stripeedge.core.queue.WriteStatusBoard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared status board over the real SQLite queue: every change is copied to the board (result
 * sealed), the status resource answers the newer of the two, and a write another edge finished
 * settles this edge's record on the next poll without being sent again.
 */
class SharedStatusQueueTest {

  private static final CredentialSeal SEAL = CredentialSeal.derivedFrom(new byte[32]);
  private static final String KEY = "Bearer sk_test_board";

  /** A board in memory, forward-only by rank as every board must be. */
  static final class MemoryBoard implements WriteStatusBoard {
    final Map<String, WriteStatus> held = new ConcurrentHashMap<>();

    @Override
    public synchronized void put(WriteStatus status, Duration keep, boolean force) {
      WriteStatus old = held.get(status.id());
      if (force || old == null || WriteStatusBoard.rank(old) < WriteStatusBoard.rank(status)) {
        held.put(status.id(), status);
      }
    }

    @Override
    public Optional<WriteStatus> get(String id) {
      return Optional.ofNullable(held.get(id));
    }

    @Override
    public void close() {}
  }

  private final List<EdgeRequest> sent = new CopyOnWriteArrayList<>();
  private final MemoryBoard board = new MemoryBoard();
  private Instant now = Instant.parse("2026-12-07T12:00:00Z");
  private SqliteWorkQueue local;
  private AsyncWrites writes;

  @BeforeEach
  void open() throws Exception {
    local = SqliteWorkQueue.open(Files.createTempDirectory("board").resolve("edge.db"));
    EdgePipeline pipeline =
        new EdgePipeline() {
          @Override
          public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
            sent.add(request);
            return CompletableFuture.completedFuture(
                new EdgeResponse(
                    200,
                    Map.of("request-id", List.of("req_1")),
                    "{\"id\":\"cus_1\",\"name\":\"BoardMarker\"}"
                        .getBytes(StandardCharsets.UTF_8)));
          }

          @Override
          public void invalidate(String objectId) {}

          @Override
          public long cachedBytes() {
            return 0;
          }
        };
    Clock clock =
        new Clock() {
          @Override
          public Instant instant() {
            return now;
          }

          @Override
          public ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(ZoneId zone) {
            return this;
          }
        };
    writes =
        AsyncWrites.over(
            pipeline,
            SharedStatusQueue.over(local, board, Duration.ofHours(24)),
            SEAL,
            AsyncWriteConfig.defaults(),
            clock,
            new SplittableRandom(3),
            new SimpleMeterRegistry());
  }

  @AfterEach
  void close() {
    writes.close();
    local.close();
  }

  private String accept() throws Exception {
    EdgeResponse answer =
        writes
            .offer(
                EdgeRequest.of("POST", "/v1/customers", "")
                    .withHeader("Authorization", KEY)
                    .withHeader("Prefer", "respond-async"))
            .get();
    assertThat(answer.status()).isEqualTo(202);
    return answer.header("stripe-edge-write");
  }

  private void awaitState(String id, WriteState state) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      WriteStatus held = board.held.get(id);
      if (held != null && held.state() == state) {
        return;
      }
      Thread.sleep(5);
    }
    throw new AssertionError(id + " never " + state + " on the board");
  }

  @Test
  void everyChangeIsOnTheBoardWithItsResultSealed() throws Exception {
    String id = accept();
    assertThat(board.held.get(id).state()).isEqualTo(WriteState.QUEUED);
    assertThat(board.held.get(id).ownerHash())
        .isEqualTo(local.status(id).orElseThrow().ownerHash());

    writes.runOnce();
    awaitState(id, WriteState.SUCCEEDED);

    WriteStatus shared = board.held.get(id);
    assertThat(shared.attempts()).isEqualTo(1);
    assertThat(shared.requestId()).isEqualTo("req_1");
    assertThat(new String(shared.resultBody(), StandardCharsets.ISO_8859_1))
        .doesNotContain("BoardMarker");
    assertThat(writes.status(id, KEY).bodyText()).contains("\"name\":\"BoardMarker\"");
  }

  @Test
  void aWriteAnotherEdgeFinishedSettlesHereAndIsNotSentAgain() throws Exception {
    String id = accept();
    WriteStatus queued = local.status(id).orElseThrow();
    // Another edge applied it: its outcome, sealed under the fleet's key, on the board.
    board.put(
        new WriteStatus(
            id,
            WriteState.SUCCEEDED,
            "POST",
            "/v1/customers",
            queued.idempotencyKey(),
            queued.acceptedAt(),
            now,
            1,
            200,
            "req_elsewhere",
            SEAL.sealResult(id, "{\"id\":\"cus_9\"}".getBytes(StandardCharsets.UTF_8)),
            "",
            queued.ownerHash()),
        Duration.ofHours(1),
        false);

    now = now.plusSeconds(2);
    writes.runOnce();

    assertThat(sent).isEmpty();
    WriteStatus settled = local.status(id).orElseThrow();
    assertThat(settled.state()).isEqualTo(WriteState.SUCCEEDED);
    assertThat(settled.requestId()).isEqualTo("req_elsewhere");
    assertThat(local.counts().get(WriteState.QUEUED)).isZero();
    assertThat(writes.status(id, KEY).bodyText()).contains("cus_9", "req_elsewhere");
    // No callback from here: the edge that finished it sends it.
    assertThat(local.dueCallbacks(now.plusSeconds(3600), 10)).isEmpty();
  }

  @Test
  void theNewerStatusWinsAndALocalRecordIsNotNeeded() throws Exception {
    String id = accept();
    writes.runOnce();
    awaitState(id, WriteState.SUCCEEDED);
    WriteStatus done = board.held.get(id);
    // An edge that never held the write (no record of its own) answers from the board...
    try (SqliteWorkQueue other =
        SqliteWorkQueue.open(Files.createTempDirectory("board-other").resolve("edge.db"))) {
      SharedStatusQueue elsewhere = SharedStatusQueue.over(other, board, Duration.ofHours(24));
      assertThat(elsewhere.status(id)).contains(done);
    }
    // ...and a late copy of an older state does not hide the outcome.
    board.put(done.withResultBody(new byte[0]), Duration.ofHours(1), false);
    assertThat(board.held.get(id)).isSameAs(done);
  }
}
