package dev.stripeedge.core.queue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where completion callbacks may go: the guard against a client making the edge POST to an address
 * only the edge reaches (server-side request forgery). Pure; table-tested.
 *
 * <p>Two checks:
 *
 * <ul>
 *   <li><b>At acceptance</b> ({@link #refusal}): the URL is absolute, without user info; its host
 *       matches {@code asyncWrites.callbacks.allowedHosts} — an exact name or IP ({@code
 *       hooks.example.com}, {@code 127.0.0.1}), or a wildcard ({@code *.example.com}: any name
 *       under it, not the name itself; {@code *}: any name). Wildcards never match an IP literal.
 *       The scheme is {@code https}; {@code http} only to a host listed exactly (a test server on
 *       loopback), never through a wildcard. An empty list refuses every callback.
 *   <li><b>At delivery</b> ({@link #addressRefusal}): the addresses the host resolves to are
 *       public. Loopback, link-local (the cloud metadata service {@code 169.254.169.254}), private,
 *       shared (CGNAT), unique-local, multicast and unspecified addresses are refused unless the
 *       host is listed exactly: a name allowed by a wildcard cannot be pointed at the inside.
 * </ul>
 *
 * <p>The sender connects to an address this rule checked ({@code CallbackPost}), never to a second
 * resolution of the name: DNS rebinding between the check and the connection has no window.
 */
public final class CallbackRule {

  private static final Pattern HOST_PATTERN =
      Pattern.compile(
          "\\*|(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-f.]*:[0-9a-f:.]*");

  private final List<String> allowed;

  /**
   * The rule for {@code allowedHosts}.
   *
   * @throws IllegalArgumentException a pattern that is not a host name, an IP, {@code *} or {@code
   *     *.name}
   */
  public CallbackRule(List<String> allowedHosts) {
    this.allowed = allowedHosts.stream().map(CallbackRule::normalize).toList();
    for (String host : allowed) {
      if (!HOST_PATTERN.matcher(host).matches() && !IP_LITERAL.matcher(host).matches()) {
        throw new IllegalArgumentException(
            "asyncWrites.callbacks.allowedHosts holds host names, IPs, *.domain or *: " + host);
      }
    }
  }

  /** Whether any callback can be allowed at all. */
  public boolean any() {
    return !allowed.isEmpty();
  }

  /**
   * Why {@code url} may not receive callbacks, in words for the client; null when it may.
   * (Addresses are checked again at delivery, by {@link #addressRefusal}.)
   */
  public @Nullable String refusal(String url) {
    if (allowed.isEmpty()) {
      return "Completion callbacks are off: the edge allows no callback host"
          + " (asyncWrites.callbacks.allowedHosts).";
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "The callback URL is not a URL.";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (!uri.isAbsolute() || host == null || !(scheme.equals("https") || scheme.equals("http"))) {
      return "The callback URL must be an absolute https URL.";
    }
    if (uri.getRawUserInfo() != null) {
      return "The callback URL must not hold user information.";
    }
    String name = normalize(host);
    boolean exact = allowed.contains(name);
    if (!exact && (isIpLiteral(name) || allowed.stream().noneMatch(p -> wildcard(p, name)))) {
      return "The edge does not send callbacks to " + name + ".";
    }
    if (scheme.equals("http") && !exact) {
      return "The callback URL must be https (http only to a host the edge lists exactly).";
    }
    return null;
  }

  /**
   * Why a callback to {@code host} may not go to {@code addresses} (what the host resolved to), or
   * null when it may: every address public, or the host listed exactly.
   */
  public @Nullable String addressRefusal(String host, List<InetAddress> addresses) {
    if (allowed.contains(normalize(host))) {
      return null;
    }
    for (InetAddress address : addresses) {
      if (internal(address)) {
        return host + " resolves to an internal address (" + address.getHostAddress() + ")";
      }
    }
    return addresses.isEmpty() ? host + " resolves to no address" : null;
  }

  /**
   * Whether {@code address} is one only the edge's own network reaches: unspecified, loopback,
   * link-local (the metadata service), private, shared (100.64/10), unique-local (fc00::/7),
   * multicast, or an IPv6 form embedding such an IPv4 address.
   */
  public static boolean internal(InetAddress address) {
    if (address.isAnyLocalAddress()
        || address.isLoopbackAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isMulticastAddress()) {
      return true;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 0
          || first == 127
          || (first == 100 && second >= 64 && second < 128)
          || (first == 192 && second == 0 && (b[2] & 0xff) == 0)
          || (first == 198 && (second == 18 || second == 19))
          || first >= 240;
    }
    if (address instanceof Inet6Address) {
      if ((b[0] & 0xfe) == 0xfc) {
        return true;
      }
      boolean zeros = true;
      for (int i = 0; i < 10; i++) {
        zeros &= b[i] == 0;
      }
      boolean mapped = zeros && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
      boolean compatible = zeros && b[10] == 0 && b[11] == 0;
      // 64:ff9b::/32 holds NAT64's well-known /96 and the local-use 64:ff9b:1::/48, whose IPv4
      // part may sit elsewhere: the whole range is refused rather than parsed per prefix length.
      boolean nat64 =
          (b[0] & 0xff) == 0x00
              && (b[1] & 0xff) == 0x64
              && (b[2] & 0xff) == 0xff
              && (b[3] & 0xff) == 0x9b;
      if (nat64) {
        return true;
      }
      if (mapped || compatible) {
        return internal(ipv4(b, 12));
      }
      // 6to4 (2002::/16): the IPv4 address is bytes 2 to 5.
      if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
        return internal(ipv4(b, 2));
      }
    }
    return false;
  }

  private static InetAddress ipv4(byte[] address, int from) {
    try {
      return InetAddress.getByAddress(java.util.Arrays.copyOfRange(address, from, from + 4));
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("four bytes are an IPv4 address", e);
    }
  }

  private static boolean wildcard(String pattern, String host) {
    if (pattern.equals("*")) {
      return true;
    }
    return pattern.startsWith("*.") && host.endsWith(pattern.substring(1));
  }

  static boolean isIpLiteral(String host) {
    return IP_LITERAL.matcher(host).matches();
  }

  /** Lower case, without IPv6 brackets or a trailing dot. */
  private static String normalize(String host) {
    String name = host.strip().toLowerCase(Locale.ROOT);
    if (name.startsWith("[") && name.endsWith("]")) {
      name = name.substring(1, name.length() - 1);
    }
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }
}
