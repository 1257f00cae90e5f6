package dev.stripeedge.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Keeps a started server running until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes it.
 */
final class UntilStopped {

  private UntilStopped() {}

  /** Prints {@code banner} on stdout once listening, then blocks until shutdown. */
  static int run(AutoCloseable server, String banner) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (Exception e) {
                    System.err.println("stripe-edge: error while stopping: " + e.getMessage());
                  } finally {
                    stopped.countDown();
                  }
                },
                "shutdown"));
    System.out.println(banner);
    System.out.flush();
    stopped.await();
    return 0;
  }
}
