package dev.stripeedge.testkit;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Kills the servers a test JVM started if it exits without stopping them (a crash, a Ctrl-C). */
final class Processes {

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(Process::destroyForcibly), "testkit-process-reaper"));
  }

  private Processes() {}

  static void killOnExit(Process process) {
    LIVE.add(process);
  }

  static void forget(Process process) {
    LIVE.remove(process);
  }
}
