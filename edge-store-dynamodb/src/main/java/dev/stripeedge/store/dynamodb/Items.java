package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.tier.TierEntry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The table's item layout, in one place. Three kinds of item share the key schema ({@code pk} hash,
 * {@code sk} range):
 *
 * <ul>
 *   <li>entry: {@code pk = "e#" + h(key)}, {@code sk = "entry"}; the key, body, ids, fetch start,
 *       expiry and TTL.
 *   <li>index: {@code pk = "i#" + id}, {@code sk = "k#" + h(key)}, one per id of an entry, written
 *       in the entry's transaction so an invalidation finds every entry holding the id. Expires
 *       with its entry; an invalidation leaves it (deleting it could race a put re-creating it).
 *   <li>marker: {@code pk = "i#" + id}, {@code sk = "marker"}; when the id was last invalidated.
 * </ul>
 *
 * <p>{@code h} is SHA-256 in unpadded base64url: cache keys can be longer than DynamoDB's key
 * attributes allow (2,048 bytes for a hash key, 1,024 for a range key), their hash never is.
 */
final class Items {

  static final String PK = "pk";
  static final String SK = "sk";
  static final String KEY = "ckey";
  static final String BODY = "body";
  static final String IDS = "ids";
  static final String FETCHED = "fetched";
  static final String EXPIRES = "expires";
  static final String INVALIDATED = "invalidated";

  /** DynamoDB's TTL attribute: epoch seconds after which DynamoDB may delete the item. */
  static final String TTL = "ttl";

  static final String ENTRY_SK = "entry";
  static final String MARKER_SK = "marker";
  static final String INDEX_SK_PREFIX = "k#";
  private static final String ENTRY_PK_PREFIX = "e#";
  private static final String ID_PK_PREFIX = "i#";

  /** DynamoDB's item limit. */
  static final int MAX_ITEM_BYTES = 400 * 1024;

  /** A hash key holds 2,048 bytes; "i#" takes two. */
  static final int MAX_ID_BYTES = 2_046;

  private Items() {}

  static String hash(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static Map<String, AttributeValue> entryKey(String key) {
    return entryKeyOfHash(hash(key));
  }

  static Map<String, AttributeValue> entryKeyOfHash(String keyHash) {
    return Map.of(PK, s(ENTRY_PK_PREFIX + keyHash), SK, s(ENTRY_SK));
  }

  static Map<String, AttributeValue> markerKey(String id) {
    return Map.of(PK, s(ID_PK_PREFIX + id), SK, s(MARKER_SK));
  }

  static AttributeValue idPartition(String id) {
    return s(ID_PK_PREFIX + id);
  }

  /** The key hash an index item points at. */
  static String keyHashOfIndex(Map<String, AttributeValue> indexItem) {
    AttributeValue sortKey = indexItem.get(SK);
    if (sortKey == null) {
      throw new IllegalStateException("an index item without its sort key: " + indexItem.keySet());
    }
    return sortKey.s().substring(INDEX_SK_PREFIX.length());
  }

  static Map<String, AttributeValue> entryItem(TierEntry entry) {
    Map<String, AttributeValue> item = new HashMap<>(entryKey(entry.key()));
    item.put(KEY, s(entry.key()));
    item.put(BODY, AttributeValue.fromB(SdkBytes.fromByteArray(entry.value())));
    if (!entry.ids().isEmpty()) {
      // A string set may not be empty: no ids, no attribute.
      item.put(IDS, AttributeValue.fromSs(List.copyOf(entry.ids())));
    }
    item.put(FETCHED, n(entry.fetchStartedMillis()));
    item.put(EXPIRES, n(entry.expiresAtMillis()));
    item.put(TTL, n(ttlSeconds(entry.expiresAtMillis())));
    return item;
  }

  static Map<String, AttributeValue> indexItem(String id, TierEntry entry) {
    return Map.of(
        PK,
        idPartition(id),
        SK,
        s(INDEX_SK_PREFIX + hash(entry.key())),
        TTL,
        n(ttlSeconds(entry.expiresAtMillis())));
  }

  static Map<String, AttributeValue> markerItem(String id, long invalidatedMillis, long ttlMillis) {
    Map<String, AttributeValue> item = new HashMap<>(markerKey(id));
    item.put(INVALIDATED, n(invalidatedMillis));
    item.put(TTL, n(ttlSeconds(ttlMillis)));
    return item;
  }

  /** The entry an item holds, or null when the item is not the entry stored under {@code key}. */
  static @Nullable TierEntry toEntry(Map<String, AttributeValue> item, @Nullable String key) {
    AttributeValue storedKey = item.get(KEY);
    AttributeValue body = item.get(BODY);
    if (storedKey == null || body == null || (key != null && !key.equals(storedKey.s()))) {
      return null;
    }
    AttributeValue ids = item.get(IDS);
    AttributeValue fetched = item.get(FETCHED);
    AttributeValue expires = item.get(EXPIRES);
    if (fetched == null || expires == null) {
      return null; // not an entry this tier wrote
    }
    return new TierEntry(
        storedKey.s(),
        body.b().asByteArray(),
        ids == null ? Set.of() : Set.copyOf(ids.ss()),
        Long.parseLong(fetched.n()),
        Long.parseLong(expires.n()));
  }

  /**
   * An upper bound of the item's size as DynamoDB counts it: attribute names plus values (numbers
   * are counted as their decimal text, which is more than DynamoDB charges).
   */
  static int sizeOf(Map<String, AttributeValue> item) {
    int size = 0;
    for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
      size += utf8Length(attribute.getKey());
      AttributeValue value = attribute.getValue();
      if (value.s() != null) {
        size += utf8Length(value.s());
      } else if (value.n() != null) {
        size += value.n().length();
      } else if (value.b() != null) {
        size += value.b().asByteBuffer().remaining();
      } else if (value.hasSs()) {
        for (String member : value.ss()) {
          size += utf8Length(member);
        }
      }
    }
    return size;
  }

  static int utf8Length(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Epoch seconds at or after {@code millis}: DynamoDB's TTL never deletes an item early. */
  static long ttlSeconds(long millis) {
    return Math.floorDiv(millis + 999, 1000);
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }
}
