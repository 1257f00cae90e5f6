package dev.stripeedge.core.queue;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.internal.StripeErrors;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest of a queued write's credentials and content: neither the {@code Authorization}
 * header (a Stripe secret key) nor the request's body and query (form fields: customer data, card
 * details) reach a queue backend in clear, and Stripe's answer is stored sealed too. Before the
 * write is stored its {@code Authorization} (and query) become {@code Stripe-Edge-Sealed: v1.<key
 * id>.<base64url(nonce ‖ AES-GCM ciphertext ‖ tag)>}, and its body becomes {@code nonce ‖
 * ciphertext ‖ tag} marked by {@code Stripe-Edge-Sealed-Body: v1.<key id>}; the write's id, the key
 * id and which part it is are the associated data (a sealed value moved onto another write, or from
 * the headers to the body, does not open). The worker {@link #open opens} it just before the
 * pipeline sends the write; results are {@link #sealResult sealed} when recorded and {@link
 * #openStatus opened} when shown.
 *
 * <p>The AES-256 key is derived with HKDF-SHA256 (RFC 5869) from the edge's existing secret (the
 * cache-key secret) under a label of its own, so it is never the key that hashes cache keys. The
 * key id is derived the same way under another label: a write sealed before the secret changed is
 * recognised as such (a clear failure naming both ids) rather than as tampering.
 *
 * <p>Who may read the write's status is kept apart, as {@code Stripe-Edge-Owner} (SHA-256 of the
 * {@code Authorization} value, what {@link QueuedWrite#ownerHash()} reads), so the status check
 * needs no decryption. Immutable and thread-safe.
 */
public final class CredentialSeal {

  /** The header holding the sealed credentials in a stored write. */
  public static final String SEALED_HEADER = "stripe-edge-sealed";

  /** The header holding the writer's {@link QueuedWrite#ownerHash} in a stored write. */
  public static final String OWNER_HEADER = "stripe-edge-owner";

  /** The header marking a stored write's body as sealed, naming the key: {@code v1.<key id>}. */
  public static final String SEALED_BODY_HEADER = "stripe-edge-sealed-body";

  /** The headers sealed: the ones that carry a credential. */
  private static final Set<String> SECRET_HEADERS = Set.of("authorization");

  // The query travels inside the sealed header block under this name (no HTTP header has it).
  private static final String QUERY_LINE = "stripe-edge-query";
  // A sealed result starts with a NUL byte, which no JSON (or text) answer of Stripe's does.
  private static final byte RESULT_MARK = 0;
  private static final String HEADERS_PART = "";
  private static final String BODY_PART = ".body";
  private static final String RESULT_PART = ".result";

  private static final String VERSION = "v1";
  private static final byte[] SALT = "stripe-edge".getBytes(StandardCharsets.US_ASCII);
  private static final String KEY_LABEL = "stripe-edge/async-writes/credentials/aes-256-gcm/v1";
  private static final String ID_LABEL = "stripe-edge/async-writes/credentials/key-id/v1";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final SecretKeySpec key;
  private final String keyId;
  private final SecureRandom random = new SecureRandom();

  private CredentialSeal(byte[] key, String keyId) {
    this.key = new SecretKeySpec(key, "AES");
    this.keyId = keyId;
  }

  /**
   * The seal whose key is derived from {@code edgeSecret} (the cache-key secret: configured, or the
   * one kept in the store).
   *
   * @throws IllegalArgumentException the secret is shorter than 16 bytes
   */
  public static CredentialSeal derivedFrom(byte[] edgeSecret) {
    if (edgeSecret.length < 16) {
      throw new IllegalArgumentException(
          "the edge secret sealing queued credentials needs at least 16 bytes");
    }
    byte[] key = hkdf(SALT, edgeSecret, KEY_LABEL.getBytes(StandardCharsets.US_ASCII), 32);
    byte[] id = hkdf(SALT, edgeSecret, ID_LABEL.getBytes(StandardCharsets.US_ASCII), 6);
    return new CredentialSeal(key, "k" + HexFormat.of().formatHex(id));
  }

  /** Which key seals: changes when the edge's secret does. Not secret. */
  public String keyId() {
    return keyId;
  }

  /** Why a stored write's credentials cannot be opened; the message says it, never a secret. */
  public static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;

    private final String why;

    Unreadable(String why) {
      super(why);
      this.why = why;
    }

    /** Why, in words fit for the write's status. */
    public String why() {
      return why;
    }
  }

  /**
   * {@code write} as it may be stored: its credential headers sealed, the owner hash alongside. Any
   * {@code Stripe-Edge-Sealed} or {@code Stripe-Edge-Owner} the client sent is dropped first.
   */
  public QueuedWrite seal(QueuedWrite write) {
    EdgeRequest request = write.request();
    Map<String, List<String>> secrets = new LinkedHashMap<>();
    Map<String, List<String>> kept = new LinkedHashMap<>();
    request
        .headers()
        .forEach(
            (name, values) -> {
              String lower = name.toLowerCase(java.util.Locale.ROOT);
              if (SECRET_HEADERS.contains(lower)) {
                secrets.put(name, values);
              } else if (!ours(lower)) {
                kept.put(name, values);
              }
            });
    if (!request.rawQuery().isEmpty()) {
      // A query has no line breaks (it is part of the request line): one line of the block.
      secrets.put(QUERY_LINE, List.of(request.rawQuery()));
    }
    String authorization = request.header("authorization");
    kept.put(
        OWNER_HEADER,
        List.of(Base64.getEncoder().encodeToString(QueuedWrite.ownerHash(authorization))));
    if (!secrets.isEmpty()) {
      byte[] plain = QueuedWrite.headerBlock(secrets).getBytes(StandardCharsets.UTF_8);
      kept.put(
          SEALED_HEADER,
          List.of(prefix() + B64.encodeToString(encrypt(write.id(), HEADERS_PART, plain))));
    }
    // Always sealed, an empty body too: a stored body without the mark was never sealed.
    kept.put(SEALED_BODY_HEADER, List.of(VERSION + "." + keyId));
    byte[] body = encrypt(write.id(), BODY_PART, request.body());
    return new QueuedWrite(
        write.id(),
        new EdgeRequest(request.method(), request.path(), "", kept, body),
        write.orderKey(),
        write.callbackUrl(),
        write.acceptedAt());
  }

  private static boolean ours(String lowerName) {
    return lowerName.equals(SEALED_HEADER)
        || lowerName.equals(OWNER_HEADER)
        || lowerName.equals(SEALED_BODY_HEADER);
  }

  private String prefix() {
    return VERSION + "." + keyId + ".";
  }

  /**
   * The request to send for stored {@code write}: credentials, query and body opened, the edge's
   * own headers removed. What a write stored before sealing existed did not seal (no sealed header,
   * or no sealed-body mark) is sent as it was stored.
   *
   * @throws Unreadable the sealed value is malformed, was sealed under another key (the edge's
   *     secret changed), or fails authentication (altered, or moved from another write)
   */
  public EdgeRequest open(QueuedWrite write) throws Unreadable {
    EdgeRequest request = write.request();
    String sealed = request.header(SEALED_HEADER);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    request
        .headers()
        .forEach(
            (name, values) -> {
              String lower = name.toLowerCase(java.util.Locale.ROOT);
              if (!ours(lower)) {
                headers.put(name, values);
              }
            });
    String query = request.rawQuery();
    if (sealed != null) {
      String[] parts = sealed.split("\\.", -1);
      if (parts.length != 3 || !parts[0].equals(VERSION)) {
        throw new Unreadable("its sealed credentials are not in a format this edge reads");
      }
      checkKey(parts[1]);
      byte[] plain = decrypt(write.id(), HEADERS_PART, base64(parts[2]));
      Map<String, List<String>> opened =
          QueuedWrite.parseHeaderBlock(new String(plain, StandardCharsets.UTF_8));
      List<String> sealedQuery = opened.remove(QUERY_LINE);
      if (sealedQuery != null && !sealedQuery.isEmpty()) {
        query = sealedQuery.get(0);
      }
      headers.putAll(opened);
    }
    byte[] body = request.body();
    String bodyMark = request.header(SEALED_BODY_HEADER);
    if (bodyMark != null) {
      if (!bodyMark.startsWith(VERSION + ".")) {
        throw new Unreadable("its sealed body is not in a format this edge reads");
      }
      checkKey(bodyMark.substring(VERSION.length() + 1));
      body = decrypt(write.id(), BODY_PART, body);
    }
    return new EdgeRequest(request.method(), request.path(), query, headers, body);
  }

  private void checkKey(String sealedUnder) throws Unreadable {
    if (!sealedUnder.equals(keyId)) {
      throw new Unreadable(
          "its credentials were sealed under key "
              + sealedUnder.replaceAll("[^A-Za-z0-9]", "")
              + " but this edge's key is "
              + keyId
              + " (the edge's cacheKeySecret changed, or another edge with another secret"
              + " accepted it); send the write again");
    }
  }

  /**
   * Stripe's answer to write {@code writeId} as it is stored: sealed (a NUL byte, {@code v1.<key
   * id>.}, then nonce ‖ ciphertext ‖ tag). The answer holds the object, customer data included.
   */
  public byte[] sealResult(String writeId, byte[] body) {
    byte[] head = prefix().getBytes(StandardCharsets.US_ASCII);
    byte[] sealed = encrypt(writeId, RESULT_PART, body);
    return ByteBuffer.allocate(1 + head.length + sealed.length)
        .put(RESULT_MARK)
        .put(head)
        .put(sealed)
        .array();
  }

  /**
   * The stored result {@code stored} of write {@code writeId} in clear; a result stored unsealed
   * (before sealing existed, or the edge's own error) as it is.
   *
   * @throws Unreadable sealed under another key, altered, or moved from another write
   */
  public byte[] openResult(String writeId, byte[] stored) throws Unreadable {
    if (stored.length == 0 || stored[0] != RESULT_MARK) {
      return stored;
    }
    // ISO-8859-1 maps each byte to one char, so indexes into the text are indexes into the bytes.
    String head =
        new String(stored, 1, Math.min(stored.length - 1, 32), StandardCharsets.ISO_8859_1);
    int dot = head.indexOf('.', VERSION.length() + 1);
    if (!head.startsWith(VERSION + ".") || dot < 0) {
      throw new Unreadable("its sealed result is not in a format this edge reads");
    }
    checkKey(head.substring(VERSION.length() + 1, dot));
    return decrypt(
        writeId, RESULT_PART, java.util.Arrays.copyOfRange(stored, 1 + dot + 1, stored.length));
  }

  /**
   * {@code status} with its result opened for showing; a result that cannot be opened is replaced
   * by a Stripe-shaped error saying why (the write's state and ids stay as recorded).
   */
  public WriteStatus openStatus(WriteStatus status) {
    byte[] body;
    try {
      body = openResult(status.id(), status.resultBody());
    } catch (Unreadable e) {
      body =
          StripeErrors.response(
                  500,
                  "api_error",
                  "edge_result_unreadable",
                  "The edge cannot read the result it stored for this write: " + e.why() + ".")
              .body();
    }
    return body == status.resultBody() ? status : status.withResultBody(body);
  }

  private byte[] encrypt(String writeId, String part, byte[] plain) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData(writeId, part));
      byte[] sealed = cipher.doFinal(plain);
      return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  private static byte[] base64(String text) throws Unreadable {
    try {
      return Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new Unreadable("its sealed credentials are not base64");
    }
  }

  private byte[] decrypt(String writeId, String part, byte[] value) throws Unreadable {
    if (value.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new Unreadable("its sealed credentials are truncated");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, value, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData(writeId, part));
      return cipher.doFinal(value, NONCE_BYTES, value.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new Unreadable(
          "its sealed credentials fail authentication (altered, or not sealed for this write)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /** Version, key id, write id and part (headers: none, for what was sealed before parts). */
  private byte[] associatedData(String writeId, String part) {
    return (VERSION + "." + keyId + "." + writeId + part).getBytes(StandardCharsets.UTF_8);
  }

  /** HKDF-SHA256 (RFC 5869): extract with {@code salt}, expand to {@code length} bytes. */
  static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      byte[] out = new byte[length];
      byte[] block = new byte[0];
      int done = 0;
      for (int i = 1; done < length; i++) {
        mac.update(block);
        mac.update(info);
        mac.update((byte) i);
        block = mac.doFinal();
        int n = Math.min(block.length, length - done);
        System.arraycopy(block, 0, out, done, n);
        done += n;
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "CredentialSeal[" + keyId + "]";
  }
}
