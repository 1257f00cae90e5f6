package dev.stripeedge.cli.logging;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sends {@code java.util.logging} (and so {@code System.Logger}, which the JDK backs with it) into
 * SLF4J, where logback's {@code %redact} pattern formats every line: without it, the core's log
 * lines and the JDK's went to JUL's console handler unredacted, in another format.
 */
public final class JulBridge {

  private JulBridge() {}

  /** Installs the bridge once, replacing JUL's console handler; idempotent, thread-safe. */
  public static synchronized void install() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
