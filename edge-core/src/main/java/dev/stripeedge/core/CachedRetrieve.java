package dev.stripeedge.core;

/**
 * A plain retrieve (one object, no query) held in the in-memory cache, as {@link
 * EdgePipeline#auditSample} hands it to a drift audit.
 *
 * @param objectId the object it answers
 * @param request the retrieve that would be answered by it: same path, account, context, API
 *     version and API key (its headers carry the key; never log them)
 * @param cached the cached answer (status 200)
 */
public record CachedRetrieve(String objectId, EdgeRequest request, EdgeResponse cached) {

  @Override
  public String toString() {
    // Never the request's headers: they carry the API key.
    return "CachedRetrieve[" + objectId + ", " + request + "]";
  }
}
