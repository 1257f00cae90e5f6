package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** {@link Budget#unlimited()}: one shared admitted future, nothing to release. */
enum Unlimited implements Budget, Permit {
  INSTANCE;

  private static final CompletableFuture<Admission> ADMITTED =
      CompletableFuture.completedFuture(new Admission.Admitted(INSTANCE));

  @Override
  public CompletableFuture<Admission> admit(EdgeRequest request, Route route, Duration deadline) {
    return ADMITTED;
  }

  @Override
  public Lane lane() {
    return Lane.NORMAL;
  }

  @Override
  public long queuedNanos() {
    return 0;
  }

  @Override
  public void release(@Nullable EdgeResponse response) {}
}
