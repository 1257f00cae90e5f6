package dev.stripeedge.core.queue;

import dev.stripeedge.core.CachedRetrieve;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.SizingReport;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The pipeline seen by the sidecar and the adapter: offers each request to the front first. */
final class FrontPipeline implements EdgePipeline {
  private final WriteFront front;
  private final EdgePipeline inner;

  FrontPipeline(WriteFront front, EdgePipeline inner) {
    this.front = front;
    this.inner = inner;
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
    CompletableFuture<EdgeResponse> queued = front.offer(request);
    return queued != null ? queued : inner.handle(request);
  }

  @Override
  public void invalidate(String objectId) {
    inner.invalidate(objectId);
  }

  @Override
  public void refresh(ObjectChange change) {
    inner.refresh(change);
  }

  @Override
  public CompletableFuture<Boolean> invalidateAcknowledged(Collection<String> objectIds) {
    return inner.invalidateAcknowledged(objectIds);
  }

  @Override
  public CompletableFuture<Boolean> refreshAcknowledged(ObjectChange change) {
    return inner.refreshAcknowledged(change);
  }

  @Override
  public long cachedBytes() {
    return inner.cachedBytes();
  }

  @Override
  public SizingReport sizing() {
    return inner.sizing();
  }

  @Override
  public List<CachedRetrieve> auditSample(String apiKey, int max) {
    return inner.auditSample(apiKey, max);
  }
}
