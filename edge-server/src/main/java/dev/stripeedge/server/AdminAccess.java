package dev.stripeedge.server;

import dev.stripeedge.runtime.EdgeSettings;
import io.netty.util.NetUtil;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Who may use the admin listener: a request must name the listener itself in {@code Host} (and in
 * {@code Origin} when a browser sends one), so a web page cannot reach it through DNS rebinding or
 * a cross-site form; anything but GET and HEAD also needs the bearer token. A pure rule: the caller
 * passes the request's parts and carries out the refusal. Immutable and thread-safe.
 */
final class AdminAccess {

  /**
   * Why a request is refused.
   *
   * @param status 401, 403
   * @param message the Stripe-shaped error's message; never holds request input
   * @param challenge the {@code WWW-Authenticate} value to send, null for none
   */
  record Refusal(int status, String message, @Nullable String challenge) {}

  private final String boundHost;
  private final byte @Nullable [] boundIp;
  private final boolean boundLoopback;
  private final boolean boundWildcard;
  private final List<String> allowedHosts;
  private final byte @Nullable [] tokenDigest;

  AdminAccess(EdgeSettings.Admin config) {
    this.boundHost = normalize(config.host());
    this.boundIp = NetUtil.createByteArrayFromIpAddressString(boundHost);
    this.boundLoopback = boundHost.equals("localhost") || (boundIp != null && loopback(boundIp));
    this.boundWildcard = boundIp != null && allZero(boundIp);
    this.allowedHosts = config.allowedHosts().stream().map(AdminAccess::normalize).toList();
    this.tokenDigest = config.token().isEmpty() ? null : sha256(config.token().reveal());
  }

  /**
   * The refusal for a request, null when it may go on.
   *
   * @param method the request's method
   * @param authority {@code Host} (HTTP/1.1) or {@code :authority} (HTTP/2), null when absent
   * @param origin the {@code Origin} header, null when absent
   * @param authorization the {@code Authorization} header, null when absent
   * @param localPort the port the request arrived on
   * @param tls whether it arrived over TLS
   */
  @Nullable Refusal check(
      String method,
      @Nullable String authority,
      @Nullable String origin,
      @Nullable String authorization,
      int localPort,
      boolean tls) {
    if (authority == null || !ownAuthority(authority, localPort, tls)) {
      return new Refusal(
          403,
          "The Host header does not name this admin listener (listeners.admin.allowedHosts adds"
              + " names).",
          null);
    }
    if (origin != null && !ownOrigin(origin, localPort, tls)) {
      return new Refusal(403, "Cross-origin requests to the admin listener are refused.", null);
    }
    if (method.equals("GET") || method.equals("HEAD")) {
      return null;
    }
    if (tokenDigest == null) {
      return new Refusal(
          403,
          "State-changing admin calls are off: set STRIPE_EDGE_ADMIN_TOKEN and send it as"
              + " Authorization: Bearer <token>.",
          null);
    }
    String given = bearer(authorization);
    // Digests of equal length, compared in constant time: neither the token nor its length leaks
    // through timing.
    if (given == null || !MessageDigest.isEqual(sha256(given), tokenDigest)) {
      return new Refusal(
          401,
          "Missing or wrong admin token: send Authorization: Bearer <STRIPE_EDGE_ADMIN_TOKEN>.",
          "Bearer realm=\"stripe-edge admin\"");
    }
    return null;
  }

  private boolean ownAuthority(String authority, int localPort, boolean tls) {
    String host;
    int port;
    String value = authority.strip();
    int close = value.lastIndexOf(']');
    int colon = value.lastIndexOf(':');
    if (colon > close && (value.startsWith("[") || value.indexOf(':') == colon)) {
      host = value.substring(0, colon);
      try {
        port = Integer.parseInt(value.substring(colon + 1));
      } catch (NumberFormatException e) {
        return false;
      }
    } else {
      host = value;
      port = -1;
    }
    return ownHost(host, port, localPort, tls);
  }

  private boolean ownOrigin(String origin, int localPort, boolean tls) {
    try {
      URI uri = new URI(origin.strip());
      String scheme = uri.getScheme();
      if (uri.getHost() == null || !(tls ? "https" : "http").equalsIgnoreCase(scheme)) {
        return false;
      }
      return ownHost(uri.getHost(), uri.getPort(), localPort, tls);
    } catch (URISyntaxException e) {
      // Includes "null", the Origin of sandboxed and file pages.
      return false;
    }
  }

  /** Whether {@code host}:{@code port} (-1: the scheme's default) names this listener. */
  private boolean ownHost(String host, int port, int localPort, boolean tls) {
    String name = normalize(host);
    if (allowedHosts.contains(name)) {
      // A name the operator listed, with whatever port it is published on: behind a port mapping
      // or a load balancer the Host never carries the port the listener is bound to.
      return true;
    }
    int effective = port < 0 ? (tls ? 443 : 80) : port;
    if (effective != localPort) {
      return false;
    }
    if (name.equals("localhost")) {
      return boundLoopback || boundWildcard;
    }
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(name);
    if (ip == null) {
      // A DNS name is what rebinding forges: only the name the listener was bound by passes.
      return name.equals(boundHost);
    }
    if (boundWildcard) {
      return true;
    }
    if (boundLoopback) {
      return loopback(ip);
    }
    return boundIp != null && Arrays.equals(ip, boundIp);
  }

  private static @Nullable String bearer(@Nullable String authorization) {
    if (authorization == null) {
      return null;
    }
    String value = authorization.strip();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return value.substring(7).strip();
  }

  private static String normalize(String host) {
    String name = host.strip().toLowerCase(Locale.ROOT);
    if (name.startsWith("[") && name.endsWith("]")) {
      name = name.substring(1, name.length() - 1);
    }
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    return name;
  }

  /** Whether {@code host} is a loopback name or address (no DNS lookup). */
  static boolean loopbackHost(String host) {
    String name = normalize(host);
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(name);
    return name.equals("localhost") || (ip != null && loopback(ip));
  }

  private static boolean loopback(byte[] ip) {
    if (ip.length == 4) {
      return ip[0] == 127;
    }
    for (int i = 0; i < 15; i++) {
      if (ip[i] != 0) {
        return false;
      }
    }
    return ip[15] == 1;
  }

  private static boolean allZero(byte[] ip) {
    for (byte b : ip) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
