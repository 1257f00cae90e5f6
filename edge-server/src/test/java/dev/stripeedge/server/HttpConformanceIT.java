package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.net.Webhook;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client mistakes and framing tricks over raw sockets against a real edge in front of the
 * simulator: each gets a Stripe-shaped 4xx before any upstream work, and what must close closes.
 */
class HttpConformanceIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @TempDir static Path dir;

  private static final String SECRET = "whsec_conformance_test_secret";
  private static final String KEY = "Authorization: Bearer sk_test_conformance\r\n";

  private static EdgeServer edge;

  @BeforeAll
  static void startEdge() {
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                // Small, so the timeout test waits little; never asserted as a duration.
                .with("headerTimeout", java.time.Duration.ofSeconds(1))
                .with("webhooks.secrets", List.of(SECRET))
                .with("store.path", dir.resolve("edge.db").toString()));
  }

  @AfterAll
  static void stopEdge() {
    edge.close();
  }

  private static long upstreamCalls() {
    return sim.sim().counters().values().stream().mapToLong(Long::longValue).sum();
  }

  private static RawHttp.Answer exchange(String request) throws Exception {
    RawHttp.Answer answer = RawHttp.exchange(edge.port(), request);
    assertThat(answer).as("an answer to %s", request).isNotNull();
    return answer;
  }

  private static void assertRefused(RawHttp.Answer answer, int status) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    assertThat(answer.stripeShaped()).as(answer.body()).isTrue();
    assertThat(answer.body()).contains("\"type\":\"invalid_request_error\"");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "/v1/customers/cus_|1",
        "/v1/customers/{x}",
        "/v1/customers/a^b",
        "/v1/customers/a`b",
        "/v1/customers/a\"b",
        "/v1/customers/a\\b",
        "/v1/customers/%zz",
        "/v1/customers/%4",
        "/v1/customers?limit=%zz",
        "/v1/customers?email=a|b",
        "/v1/customers?expand[]={data}",
        "/v1/customers/caf\u00e9",
        // Legal in a query (expand[]=…), not in a path: the upstream client cannot build the URI.
        "/v1/customers/cus_[1]",
        "/v1/customers/[",
        "/v1/customers/]",
        "/v1/customers/a[b]?expand[]=x",
      })
  void illegalUriCharactersAreA400BeforeAnyUpstreamCall(String target) throws Exception {
    long before = upstreamCalls();

    RawHttp.Answer answer =
        exchange("GET " + target + " HTTP/1.1\r\nHost: edge\r\n" + KEY + "\r\n");

    assertRefused(answer, 400);
    assertThat(answer.body()).contains("Invalid request URI");
    assertThat(upstreamCalls()).isEqualTo(before);
  }

  @Test
  void bracketsInTheQueryStillWork() throws Exception {
    RawHttp.Answer answer =
        exchange(
            "GET /v1/customers?limit=1&expand[]=data.default_source HTTP/1.1\r\nHost: edge\r\n"
                + KEY
                + "\r\n");

    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "CONNECT api.stripe.com:443 HTTP/1.1\r\nHost: api.stripe.com:443\r\n",
        "CONNECT /v1/customers HTTP/1.1\r\nHost: edge\r\n",
        "TRACE /v1/customers HTTP/1.1\r\nHost: edge\r\n",
        "TRACE / HTTP/1.1\r\nHost: edge\r\n",
      })
  void connectAndTraceAreRefusedBeforeAnyUpstreamCall(String head) throws Exception {
    long before = upstreamCalls();

    RawHttp.Answer answer = exchange(head + KEY + "\r\n");

    assertRefused(answer, 405);
    assertThat(answer.header("allow")).isNotNull();
    assertThat(upstreamCalls()).isEqualTo(before);
  }

  @ParameterizedTest(name = "{index}")
  @ValueSource(
      strings = {
        "X-Bad: a\u0001b",
        "X-Bad: a\u0000b",
        "X-Bad: a\u001b[31mb",
        "X-Bad: caf\u00e9",
        "X-Bad: a\u007fb",
        "Bad Name: x",
        "Bad\u0001Name: x",
        "B\u00e4d: x",
        "Idempotency-Key: k\u0000",
      })
  void headersWithControlOrNonAsciiCharactersAreA400(String header) throws Exception {
    long before = upstreamCalls();

    RawHttp.Answer answer =
        exchange("GET /v1/customers HTTP/1.1\r\nHost: edge\r\n" + KEY + header + "\r\n\r\n");

    assertRefused(answer, 400);
    assertThat(upstreamCalls()).isEqualTo(before);
  }

  @Test
  void aTooLongRequestLineIsAStripeShaped414() throws Exception {
    RawHttp.Answer answer =
        exchange("GET /v1/customers/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: edge\r\n\r\n");

    assertRefused(answer, 414);
  }

  @Test
  void tooLargeHeadersAreAStripeShaped431() throws Exception {
    RawHttp.Answer answer =
        exchange(
            "GET /v1/customers HTTP/1.1\r\nHost: edge\r\nX-Big: "
                + "a".repeat(70_000)
                + "\r\n\r\n");

    assertRefused(answer, 431);
  }

  @Test
  void aRequestLineThatIsNotHttpIsAStripeShaped400() throws Exception {
    assertRefused(exchange("HELLO\r\n\r\n"), 400);
  }

  @Test
  void anUnknownHttpVersionIsAStripeShaped400() throws Exception {
    assertRefused(exchange("GET /v1/customers HTTP/9.9\r\nHost: edge\r\n\r\n"), 400);
  }

  @Test
  void aMalformedChunkIsAStripeShaped400AndTheConnectionClosed() throws Exception {
    long before = upstreamCalls();
    try (RawHttp raw = new RawHttp(edge.port())) {
      raw.send(
          "POST /v1/customers HTTP/1.1\r\nHost: edge\r\n"
              + KEY
              + "Transfer-Encoding: chunked\r\n\r\nzz\r\nname=A\r\n0\r\n\r\n");

      RawHttp.Answer answer = raw.read();
      assertThat(answer).isNotNull();
      assertRefused(answer, 400);
      assertThat(raw.closedByServer()).isTrue();
    }
    assertThat(upstreamCalls()).isEqualTo(before);
  }

  @Test
  void contentLengthWithTransferEncodingIsAnsweredAndTheConnectionClosed() throws Exception {
    long before = upstreamCalls();
    String smuggled = "GET /v1/customers HTTP/1.1\r\nHost: edge\r\n" + KEY + "\r\n";
    String body = "0\r\n\r\n" + smuggled;
    try (RawHttp raw = new RawHttp(edge.port())) {
      raw.send(
          "POST /v1/customers HTTP/1.1\r\nHost: edge\r\n"
              + KEY
              + "Content-Type: application/x-www-form-urlencoded\r\n"
              + "Content-Length: "
              + body.length()
              + "\r\nTransfer-Encoding: chunked\r\n\r\n"
              + body);

      RawHttp.Answer answer = raw.read();
      assertThat(answer).isNotNull();
      assertRefused(answer, 400);
      // No second answer: the smuggled request never ran.
      assertThat(raw.closedByServer()).isTrue();
    }
    assertThat(upstreamCalls()).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "chunked, gzip", "identity", "xchunked"})
  void unknownTransferCodingsAreRefusedAndTheConnectionClosed(String coding) throws Exception {
    long before = upstreamCalls();
    try (RawHttp raw = new RawHttp(edge.port())) {
      raw.send(
          "POST /v1/customers HTTP/1.1\r\nHost: edge\r\n"
              + KEY
              + "Transfer-Encoding: "
              + coding
              + "\r\n\r\n5\r\nname=\r\n0\r\n\r\n");

      RawHttp.Answer answer = raw.read();
      assertThat(answer).isNotNull();
      assertRefused(answer, 400);
      assertThat(raw.closedByServer()).isTrue();
    }
    assertThat(upstreamCalls()).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "chunked\r\nTransfer-Encoding: gzip",
        "gzip\r\nTransfer-Encoding: chunked",
        "chunked\r\nTransfer-Encoding: chunked",
        "chunked, chunked",
        "chunked\r\nTransfer-Encoding: ",
        "chunked,",
      })
  void everyTransferEncodingLineIsCheckedNotJustTheFirst(String coding) throws Exception {
    long before = upstreamCalls();
    try (RawHttp raw = new RawHttp(edge.port())) {
      raw.send(
          "POST /v1/customers HTTP/1.1\r\nHost: edge\r\n"
              + KEY
              + "Content-Type: application/x-www-form-urlencoded\r\n"
              + "Transfer-Encoding: "
              + coding
              + "\r\n\r\n6\r\nname=A\r\n0\r\n\r\n");

      RawHttp.Answer answer = raw.read();
      assertThat(answer).isNotNull();
      assertRefused(answer, 400);
      assertThat(raw.closedByServer()).isTrue();
    }
    assertThat(upstreamCalls()).isEqualTo(before);
  }

  @Test
  void aChunkedBodyStillWorks() throws Exception {
    try (RawHttp raw = new RawHttp(edge.port())) {
      raw.send(
          "POST /v1/customers HTTP/1.1\r\nHost: edge\r\n"
              + KEY
              + "Content-Type: application/x-www-form-urlencoded\r\n"
              + "Transfer-Encoding: chunked\r\n\r\n6\r\nname=A\r\n0\r\n\r\n");

      RawHttp.Answer answer = raw.read();
      assertThat(answer).isNotNull();
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
      assertThat(answer.body()).contains("customer");
    }
  }

  @Test
  void a413ClosesTheConnection() throws Exception {
    try (RawHttp raw = new RawHttp(edge.port())) {
      raw.send(
          "POST /v1/customers HTTP/1.1\r\nHost: edge\r\n"
              + KEY
              + "Content-Type: application/x-www-form-urlencoded\r\n"
              + "Content-Length: 5000000\r\n\r\nname=A");

      RawHttp.Answer answer = raw.read();
      assertThat(answer).isNotNull();
      assertRefused(answer, 413);
      assertThat(answer.header("connection")).isEqualTo("close");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void aHeadThatNeverEndsIsAnswered408AndClosed() throws Exception {
    try (RawHttp raw = new RawHttp(edge.port())) {
      raw.send("GET /v1/customers HTTP/1.1\r\nHost: edge\r\nX-Slow: ");

      // The edge is configured with a 1 s header timeout; the read waits up to 30 s.
      RawHttp.Answer answer = raw.read();
      assertThat(answer).isNotNull();
      assertRefused(answer, 408);
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsNotCutByTheHeaderTimeout() throws Exception {
    try (RawHttp raw = new RawHttp(edge.port())) {
      raw.send("GET /healthz HTTP/1.1\r\nHost: edge\r\n\r\n");
      assertThat(raw.read()).extracting(RawHttp.Answer::status).isEqualTo(200);
      // Idle well past the header timeout: only a started head has that deadline.
      Thread.sleep(2_500);
      raw.send("GET /healthz HTTP/1.1\r\nHost: edge\r\n\r\n");
      assertThat(raw.read()).extracting(RawHttp.Answer::status).isEqualTo(200);
    }
  }

  @Test
  void webhookAnswersNeverEchoRawControlCharacters() throws Exception {
    String payload =
        "{\"id\":\"evt_\\u0007\\u001b[2Jctl\",\"object\":\"event\",\"type\":\"customer.updated\","
            + "\"created\":"
            + Instant.now().getEpochSecond()
            + ",\"data\":{\"object\":{\"id\":\"cus_ctl\",\"object\":\"customer\"}}}";
    String signature =
        Webhook.Signature.generateSignatureHeader(payload, SECRET, Instant.now().getEpochSecond());
    byte[] body = payload.getBytes(StandardCharsets.UTF_8);

    RawHttp.Answer answer =
        exchange(
            "POST /webhooks/stripe HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\n"
                + "Stripe-Signature: "
                + signature
                + "\r\nContent-Length: "
                + body.length
                + "\r\n\r\n"
                + payload);

    assertThat(answer.body()).doesNotContainPattern("[\\x00-\\x1f\\x7f]");
    assertThat(answer.body()).contains("\\u0007");
  }

  @Test
  void errorMessagesEscapeControlCharacters() {
    assertThat(HttpAnswers.errorJson("invalid_request_error", null, "a\u0000b\u001bc\"d\\e\n"))
        .isEqualTo(
            "{\"error\":{\"message\":\"a\\u0000b\\u001bc\\\"d\\\\e\\n\","
                + "\"type\":\"invalid_request_error\"}}");
  }
}
