package dev.stripeedge.core;

/**
 * The identity of a cached response: method, path, canonical query, account, API version and a
 * keyed hash of the API key. Built by {@link CacheKeys}; never contains the API key.
 *
 * @param value the key as one string, safe to log
 */
public record CacheKey(String value) {

  @Override
  public String toString() {
    return value;
  }
}
