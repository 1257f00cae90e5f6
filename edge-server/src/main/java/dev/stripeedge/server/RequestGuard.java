package dev.stripeedge.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Refuses what an HTTP/1.x client got wrong before the edge does any work for it: a URI with
 * characters RFC 3986 forbids, a header name that is not a token or a value with control or
 * non-ASCII characters, a body framed by both {@code Content-Length} and {@code Transfer-Encoding}
 * (RFC 9112 §6.3: behind another proxy the two may disagree on where the request ends, so what
 * follows could run as a smuggled second request), a transfer coding other than {@code chunked}, a
 * malformed chunk, and a request head that does not arrive within the header timeout.
 *
 * <p>It replaces Vert.x's decoder on each HTTP/1.x connection. A refused request reaches the
 * server's invalid-request handler with a {@link Refused} cause (answered in Stripe's shape, after
 * which Vert.x closes the connection), and every byte after it is discarded, so nothing behind it
 * runs. Vert.x's own header validation stays off (it would also re-check every header the edge
 * writes); this one pass over the head replaces it. Confined to its connection's event loop.
 */
final class RequestGuard extends VertxHttpRequestDecoder {

  // Over 400 lines: one pass over the request head with every check in the order its bytes arrive;
  // split, the order would be lost.

  /** Why a request was refused: the status and message the client gets. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final @Nullable String allow;

    Refused(int status, String message) {
      this(status, message, null);
    }

    Refused(int status, String message, @Nullable String allow) {
      super(message, null, false, false);
      this.status = status;
      this.allow = allow;
    }

    int status() {
      return status;
    }

    /** The {@code Allow} header a 405 carries, or null. */
    @Nullable String allow() {
      return allow;
    }
  }

  /** The methods of Stripe's API; a 405 names them. */
  static final String ALLOWED_METHODS = "GET, POST, DELETE";

  private static final String DECODER = "httpDecoder";

  private final Duration headerTimeout;
  private @Nullable ScheduledFuture<?> headTimer;
  private boolean inMessage;
  private boolean discarding;

  private RequestGuard(HttpServerOptions options, Duration headerTimeout) {
    super(options);
    this.headerTimeout = headerTimeout;
  }

  /**
   * Puts a guard in place of Vert.x's decoder on {@code connection}; HTTP/2 connections (no such
   * decoder) are left alone. Called from the server's connection handler, before the first request
   * is decoded.
   */
  static void install(HttpConnection connection, HttpServerOptions options, Duration timeout) {
    if (!(connection instanceof HttpServerConnection internal)) {
      return;
    }
    ChannelPipeline pipeline = internal.channelHandlerContext().pipeline();
    if (pipeline.get(DECODER) instanceof VertxHttpRequestDecoder) {
      pipeline.replace(DECODER, DECODER, new RequestGuard(options, timeout));
    }
  }

  /**
   * After the answer on {@code connection} is written, stops reading requests from it and closes
   * it: for answers sent before the request's body was read (a 413), where the rest of the body, or
   * whatever follows it, must not be taken for a next request.
   */
  static void closeAfterAnswer(HttpConnection connection) {
    if (!(connection instanceof HttpServerConnection internal)) {
      connection.close();
      return;
    }
    ChannelHandlerContext context = internal.channelHandlerContext();
    if (context.pipeline().get(DECODER) instanceof RequestGuard guard) {
      guard.discarding = true;
    }
    lingeringClose(context.channel());
  }

  /**
   * Sends FIN once what is queued is written, then closes: closing at once, while the client is
   * still sending, could reset the connection and lose the answer it has not read yet.
   */
  private static void lingeringClose(Channel channel) {
    channel
        .writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            written -> {
              if (channel instanceof DuplexChannel duplex && channel.isActive()) {
                duplex.shutdownOutput();
                channel.eventLoop().schedule(() -> channel.close(), 2, TimeUnit.SECONDS);
              } else {
                channel.close();
              }
            });
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
      throws Exception {
    if (discarding) {
      buffer.skipBytes(buffer.readableBytes());
      return;
    }
    if (!inMessage && buffer.isReadable()) {
      // The first byte of a head starts its clock; a keep-alive connection waiting for its next
      // request is left to the idle timeout.
      armHeadTimer(ctx);
    }
    int before = out.size();
    super.decode(ctx, buffer, out);
    for (int i = before; i < out.size(); i++) {
      Object decoded = out.get(i);
      if (decoded instanceof HttpRequest request) {
        cancelHeadTimer();
        inMessage = true;
        if (request.decoderResult().isFailure()) {
          discarding = true;
        }
      }
      if (decoded instanceof HttpContent content
          && !(decoded instanceof HttpRequest)
          && content.decoderResult().isFailure()) {
        // A malformed chunk: Vert.x would close without a word. The request's body never ends,
        // so nothing was forwarded and nothing answered yet: answer here, then close.
        out.remove(i);
        content.release();
        discarding = true;
        answerAndClose(ctx, 400, "Bad Request", "Malformed chunked request body.");
        break;
      }
      if (decoded instanceof LastHttpContent) {
        inMessage = false;
      }
    }
    if (discarding) {
      buffer.skipBytes(buffer.readableBytes());
    } else if (!inMessage && buffer.isReadable()) {
      // Part of a pipelined next head came with the end of this request: its clock starts now.
      armHeadTimer(ctx);
    }
  }

  private void armHeadTimer(ChannelHandlerContext ctx) {
    if (headTimer != null) {
      // Never pushed back: a head trickled a byte at a time still has one deadline.
      return;
    }
    headTimer =
        ctx.executor()
            .schedule(() -> headTimedOut(ctx), headerTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void cancelHeadTimer() {
    if (headTimer != null) {
      headTimer.cancel(false);
      headTimer = null;
    }
  }

  private void headTimedOut(ChannelHandlerContext ctx) {
    headTimer = null;
    if (inMessage || !ctx.channel().isActive()) {
      return;
    }
    discarding = true;
    answerAndClose(
        ctx,
        408,
        "Request Timeout",
        "The request head did not arrive within "
            + headerTimeout.toSeconds()
            + " s: stripe-edge closed the connection.");
  }

  /**
   * Writes a Stripe-shaped error below Vert.x's encoder (for when Vert.x has no request to answer
   * with), then closes the connection.
   */
  private static void answerAndClose(
      ChannelHandlerContext ctx, int status, String reason, String message) {
    byte[] body =
        HttpAnswers.errorJson("invalid_request_error", null, message)
            .getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + status
            + " "
            + reason
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\nConnection: close\r\n\r\n";
    ctx.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body))
        .addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
    cancelHeadTimer();
    super.handlerRemoved0(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancelHeadTimer();
    super.channelInactive(ctx);
  }

  /** Called by Netty once a head is parsed, before its body: where each request is checked. */
  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage message) {
    if (message instanceof HttpRequest request && request.decoderResult().isSuccess()) {
      Refused refused = check(request);
      if (refused != null) {
        request.setDecoderResult(DecoderResult.failure(refused));
      }
    }
    return super.isContentAlwaysEmpty(message);
  }

  /** The reason to refuse {@code request}, or null to serve it. */
  static @Nullable Refused check(HttpRequest request) {
    HttpVersion version = request.protocolVersion();
    if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
      // Vert.x would answer an empty 501: a client's mistake, so a 400 in Stripe's shape.
      return new Refused(400, "Unsupported HTTP version: stripe-edge speaks HTTP/1.0 and 1.1.");
    }
    HttpMethod method = request.method();
    if (method.equals(HttpMethod.CONNECT) || method.equals(HttpMethod.TRACE)) {
      // CONNECT would ask the edge to open a tunnel (Vert.x hands it to the request handler like
      // any request, and the JDK client refuses to send it); TRACE would reflect the request's
      // headers, API key included. Neither is part of Stripe's API.
      return new Refused(
          405,
          "Method "
              + method.name()
              + " is not allowed: stripe-edge is not a forward proxy, and Stripe's API uses "
              + ALLOWED_METHODS
              + ".",
          ALLOWED_METHODS);
    }
    String uri = request.uri();
    int bad = badUriChar(uri);
    if (bad >= 0) {
      return new Refused(
          400,
          "Invalid request URI: the character at position "
              + bad
              + " is not allowed in a URL; percent-encode it (RFC 3986).");
    }
    HttpHeaders headers = request.headers();
    for (Map.Entry<String, String> header : headers) {
      if (!isToken(header.getKey())) {
        return new Refused(400, "Invalid header name: a header name must be an RFC 9110 token.");
      }
      if (!isVisibleAscii(header.getValue())) {
        return new Refused(
            400,
            "Invalid value in header "
                + header.getKey()
                + ": only visible ASCII characters, spaces and tabs are allowed.");
      }
    }
    List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (!codings.isEmpty()) {
      if (headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
        return new Refused(
            400, "A request may carry Content-Length or Transfer-Encoding, not both.");
      }
      if (!onlyChunked(codings)) {
        // 400, not RFC 9112's suggested 501: the coding is the client's choice, and a client's
        // mistake is never answered as the edge's failure (a 5xx invites retries).
        return new Refused(
            400, "Unsupported Transfer-Encoding: stripe-edge accepts only chunked bodies.");
      }
    }
    return null;
  }

  /**
   * Whether the {@code Transfer-Encoding} lines, all of them and every element of their comma
   * lists, name exactly one coding: {@code chunked}. A second line or element (even another {@code
   * chunked}, or an empty one) is refused: Netty frames the body as chunked if any value says so,
   * and a proxy in front may read a different coding from a different line.
   */
  static boolean onlyChunked(List<String> codings) {
    int seen = 0;
    for (String line : codings) {
      for (String element : line.split(",", -1)) {
        seen++;
        if (seen > 1 || !element.strip().equalsIgnoreCase("chunked")) {
          return false;
        }
      }
    }
    return seen == 1;
  }

  /**
   * The index of the first character RFC 3986 forbids in {@code uri}, or -1. {@code [} and {@code
   * ]} are allowed in the query only (clients send {@code expand[]=…} unencoded); in a path they
   * are refused, as the upstream client would refuse the URI.
   */
  static int badUriChar(String uri) {
    boolean inQuery = false;
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '?') {
        inQuery = true;
      } else if ((c == '[' || c == ']') && !inQuery) {
        return i;
      } else if (c == '%') {
        if (i + 2 >= uri.length() || !isHex(uri.charAt(i + 1)) || !isHex(uri.charAt(i + 2))) {
          return i;
        }
        i += 2;
      } else if (!isUriChar(c)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isUriChar(char c) {
    // Unreserved, sub-delims, ':', '@', '/', '?', and '[' ']': clients send expand[]=… unencoded.
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@/?[]".indexOf(c) >= 0;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isToken(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean token =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!token) {
        return false;
      }
    }
    return true;
  }

  private static boolean isVisibleAscii(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c != '\t' && (c < 0x20 || c > 0x7e)) {
        return false;
      }
    }
    return true;
  }
}
