package dev.stripeedge.lambda;

import dev.stripeedge.core.CachedRetrieve;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.SizingReport;
import dev.stripeedge.core.isolation.Isolation;
import dev.stripeedge.runtime.EdgeRuntime;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The request pipeline of whichever runtime is current: what stripe-java clients are built on, so a
 * client made before a SnapStart snapshot sends through the runtime started after the restore.
 * Every call asks for the runtime, which starts it on first use.
 */
final class CurrentPipeline implements EdgePipeline {

  private final Supplier<EdgeRuntime> runtime;

  CurrentPipeline(Supplier<EdgeRuntime> runtime) {
    this.runtime = runtime;
  }

  private EdgePipeline pipeline() {
    return runtime.get().requestPipeline();
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
    return pipeline().handle(request);
  }

  @Override
  public void invalidate(String objectId) {
    pipeline().invalidate(objectId);
  }

  @Override
  public void refresh(ObjectChange change) {
    pipeline().refresh(change);
  }

  @Override
  public CompletableFuture<Boolean> invalidateAcknowledged(Collection<String> objectIds) {
    return pipeline().invalidateAcknowledged(objectIds);
  }

  @Override
  public CompletableFuture<Boolean> refreshAcknowledged(ObjectChange change) {
    return pipeline().refreshAcknowledged(change);
  }

  @Override
  public long cachedBytes() {
    return pipeline().cachedBytes();
  }

  @Override
  public SizingReport sizing() {
    return pipeline().sizing();
  }

  @Override
  public List<CachedRetrieve> auditSample(String apiKey, int max) {
    return pipeline().auditSample(apiKey, max);
  }

  @Override
  public @Nullable Isolation isolation() {
    return pipeline().isolation();
  }
}
