package dev.stripeedge.core.queue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * Where completion callbacks' host names are resolved and whom their TLS trusts: the system's
 * resolver and trust store, or a test's. Each callback attempt resolves its host once, through
 * {@link #resolver}, and connects to one of the addresses it checked.
 *
 * @param resolver resolves each attempt's host, once
 * @param tls the TLS context of {@code https} callbacks
 */
public record CallbackNetwork(CallbackNetwork.Resolver resolver, SSLContext tls) {

  /** Resolves a host name to its addresses. */
  @FunctionalInterface
  public interface Resolver {
    /**
     * The addresses of {@code host}.
     *
     * @throws UnknownHostException it has none
     */
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** The system resolver and the JDK's default trust. */
  public static CallbackNetwork system() {
    try {
      return new CallbackNetwork(
          host -> List.of(InetAddress.getAllByName(host)), SSLContext.getDefault());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context", e);
    }
  }
}
