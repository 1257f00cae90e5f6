package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.StripeEvent;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The webhook ledger, reconciliation cursor and forwarding outbox in one DynamoDB table ({@code
 * pk}/{@code sk} strings, TTL on {@code ttl}), shared by every edge that names it: conditional
 * writes in one transaction dedupe an event (by id, and by object, type and second) and queue its
 * forwards, so an event delivered to any number of edges is {@link Recorded#NEW} once; a delivery
 * read by one edge is claimed (a conditional update) so one edge sends it.
 *
 * <p>Items: {@code e#<id>} (an event: object ids, received at, sequence; expires after the
 * retention), {@code c#<object>|<type>|<created>} (a change's dedupe), {@code unapplied} / {@code
 * <sequence>} (the journal, read in order by a query), {@code cursor}, {@code o#pending} and {@code
 * o#dead} / {@code <delivery id>} (the outbox), {@code lease} / {@code <job>} (holder, token,
 * until) and {@code seq} counters. Sequences come from atomic counters ({@code ADD}), so recording
 * order is the order sequences were taken. Leases expire by the edges' clocks: keep them in sync
 * (NTP), far closer than a lease.
 *
 * <p>Thread-safe; calls block up to the client's call timeout and fail with {@link
 * IllegalStateException}s.
 */
public final class DynamoDbEventStore implements EventStore {

  // Over 400 lines: ledger, outbox, cursors and leases as conditional DynamoDB transactions, each
  // next to its cancellation cases.

  /** How long a delivery read by one edge is hidden from the others (longer than any attempt). */
  static final Duration CLAIM = Duration.ofMinutes(2);

  private static final String S_EVENT = "event";
  private static final String PK = Items.PK;
  private static final String SK = Items.SK;
  private static final int WIDTH = 19;

  private final DynamoDbAsyncClient client;
  private final @Nullable SdkEventLoopGroup eventLoops;
  private final String table;
  private final Duration retention;
  private final InstantSource clock;
  private final long timeoutMillis;
  private final String owner = UUID.randomUUID().toString();
  // The fencing token of the last lease this edge took, by job: kept when the lease is lost, so
  // every later cursor write of a former leader is refused until it takes the lease again.
  private final Map<String, Long> tokens = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private DynamoDbEventStore(
      DynamoDbAsyncClient client,
      @Nullable SdkEventLoopGroup eventLoops,
      DynamoDbTierConfig config,
      Duration retention,
      InstantSource clock) {
    this.client = client;
    this.eventLoops = eventLoops;
    this.table = config.table();
    this.retention = retention;
    this.clock = clock;
    this.timeoutMillis = config.apiCallTimeout().toMillis() + 1_000;
  }

  /**
   * A store on {@code config}'s table (created, with TTL, when {@code createTable}), signing with
   * {@code credentials} (null: AWS's default chain).
   *
   * @param retention how long events (the dedupe window) are kept
   * @throws IllegalStateException the table cannot be set up
   */
  public static DynamoDbEventStore open(
      DynamoDbTierConfig config,
      @Nullable AwsCredentialsProvider credentials,
      Duration retention,
      InstantSource clock) {
    SdkEventLoopGroup eventLoops = SdkEventLoopGroup.builder().build();
    DynamoDbAsyncClient client;
    try {
      client = DynamoDbTier.newClient(config, credentials, eventLoops);
    } catch (RuntimeException e) {
      eventLoops.eventLoopGroup().shutdownGracefully(0, 2, TimeUnit.SECONDS);
      throw e;
    }
    DynamoDbEventStore store = new DynamoDbEventStore(client, eventLoops, config, retention, clock);
    if (config.createTable()) {
      try {
        store.await("set up table " + config.table(), TableSetup.ensure(client, config.table()));
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    }
    return store;
  }

  /** The cache-key secret every edge on this table shares: created by the first. */
  public byte[] cacheKeySecret() {
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    Map<String, AttributeValue> key = key("secret", "cache-key");
    Map<String, AttributeValue> item = new HashMap<>(key);
    item.put("value", AttributeValue.fromB(SdkBytes.fromByteArray(fresh)));
    conditional(
        "create the cache-key secret",
        client.putItem(
            r ->
                r.tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(" + PK + ")")));
    Map<String, AttributeValue> stored =
        await(
                "read the cache-key secret",
                client.getItem(r -> r.tableName(table).key(key).consistentRead(true)))
            .item();
    return field(stored, "value").b().asByteArray();
  }

  @Override
  public Recorded record(
      StripeEvent event, Instant receivedAt, byte[] payload, List<String> forwardTo) {
    open();
    long seq = next("events", 1);
    long lastDelivery = forwardTo.isEmpty() ? 0 : next("outbox", forwardTo.size());
    for (int attempt = 0; ; attempt++) {
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(putNew(eventItem(event, receivedAt, seq)));
      String objectId = event.objectId();
      if (objectId != null) {
        Map<String, AttributeValue> change =
            key("c#" + objectId + "|" + event.type() + "|" + event.created(), "change");
        change.put(Items.TTL, number(expiry()));
        writes.add(putNew(change));
      }
      writes.add(put(unappliedItem(event, receivedAt, seq)));
      long id = lastDelivery - forwardTo.size();
      for (String target : forwardTo) {
        writes.add(put(delivery(++id, event, target, payload, receivedAt)));
      }
      List<String> reasons = transact("record " + event.id(), writes);
      if (reasons.isEmpty()) {
        noteAccount(event);
        return Recorded.NEW;
      }
      if (reasons.get(0).equals("ConditionalCheckFailed")) {
        return Recorded.DUPLICATE_EVENT;
      }
      if (objectId != null && reasons.get(1).equals("ConditionalCheckFailed")) {
        // A double event: journaled under its own id, never forwarded.
        List<String> again =
            transact(
                "record " + event.id(),
                List.of(
                    putNew(eventItem(event, receivedAt, seq)),
                    put(unappliedItem(event, receivedAt, seq))));
        if (again.isEmpty()) {
          noteAccount(event);
          return Recorded.DUPLICATE_CHANGE;
        }
        if (again.get(0).equals("ConditionalCheckFailed")) {
          return Recorded.DUPLICATE_EVENT;
        }
      }
      if (attempt >= 20) {
        throw new IllegalStateException(
            "dynamodb event store: cannot record " + event.id() + ": " + reasons);
      }
      sleep(5L * (attempt + 1)); // a transaction conflict with another edge's record
    }
  }

  /** Remembers a connected account the reconciler then covers (an idempotent put). */
  private void noteAccount(StripeEvent event) {
    String account = event.account();
    if (account != null) {
      await(
          "note account " + account,
          client.putItem(r -> r.tableName(table).item(key("accounts", account))));
    }
  }

  @Override
  public List<String> accounts() {
    return query("accounts").stream().map(item -> field(item, SK).s()).toList();
  }

  private Map<String, AttributeValue> eventItem(StripeEvent event, Instant receivedAt, long seq) {
    Map<String, AttributeValue> item = key("e#" + event.id(), S_EVENT);
    item.put("ids", AttributeValue.fromS(String.join(" ", event.objectIds())));
    item.put("at", number(receivedAt.toEpochMilli()));
    item.put("seq", number(seq));
    item.put(Items.TTL, number(expiry()));
    return item;
  }

  private Map<String, AttributeValue> unappliedItem(
      StripeEvent event, Instant receivedAt, long seq) {
    Map<String, AttributeValue> item = key("unapplied", pad(seq));
    item.put("id", AttributeValue.fromS(event.id()));
    item.put("ids", AttributeValue.fromS(String.join(" ", event.objectIds())));
    item.put("at", number(receivedAt.toEpochMilli()));
    item.put(Items.TTL, number(expiry()));
    return item;
  }

  private Map<String, AttributeValue> delivery(
      long id, StripeEvent event, String target, byte[] payload, Instant due) {
    Map<String, AttributeValue> item = key("o#pending", pad(id));
    item.put("event", AttributeValue.fromS(event.id()));
    String objectId = event.objectId();
    item.put("object", AttributeValue.fromS(objectId == null ? "" : objectId));
    item.put("target", AttributeValue.fromS(target));
    item.put("payload", AttributeValue.fromB(SdkBytes.fromByteArray(payload)));
    item.put("attempts", number(0));
    item.put("next", number(due.toEpochMilli()));
    return item;
  }

  @Override
  public boolean contains(String eventId) {
    return !await(
            "look up " + eventId,
            client.getItem(
                r -> r.tableName(table).key(key("e#" + eventId, S_EVENT)).consistentRead(true)))
        .item()
        .isEmpty();
  }

  @Override
  public void markApplied(Collection<String> eventIds) {
    open();
    for (String eventId : eventIds) {
      Map<String, AttributeValue> event =
          await(
                  "look up " + eventId,
                  client.getItem(
                      r ->
                          r.tableName(table)
                              .key(key("e#" + eventId, S_EVENT))
                              .consistentRead(true)))
              .item();
      if (event.isEmpty()) {
        continue;
      }
      long seq = Long.parseLong(field(event, "seq").n());
      await(
          "mark " + eventId + " applied",
          client.deleteItem(r -> r.tableName(table).key(key("unapplied", pad(seq)))));
    }
  }

  @Override
  public List<Unapplied> unapplied(Instant receivedBefore, int limit) {
    List<Unapplied> found = new ArrayList<>();
    for (Map<String, AttributeValue> item : query("unapplied")) {
      if (found.size() >= limit) {
        break;
      }
      Instant at = Instant.ofEpochMilli(Long.parseLong(field(item, "at").n()));
      if (at.isBefore(receivedBefore)) {
        String ids = field(item, "ids").s();
        found.add(
            new Unapplied(
                field(item, "id").s(),
                ids.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(ids.split(" "))),
                at));
      }
    }
    return found;
  }

  @Override
  public @Nullable String cursor(String account) {
    Map<String, AttributeValue> item =
        await(
                "read the cursor",
                client.getItem(
                    r -> r.tableName(table).key(cursorKey(account)).consistentRead(true)))
            .item();
    return item.isEmpty() ? null : field(item, "value").s();
  }

  private static Map<String, AttributeValue> cursorKey(String account) {
    return key("cursor", account.isEmpty() ? RECONCILER : RECONCILER + "#" + account);
  }

  @Override
  public void advance(String account, String eventId) {
    Map<String, AttributeValue> item = cursorKey(account);
    item.put("value", AttributeValue.fromS(eventId));
    Long token = tokens.get(RECONCILER);
    if (token == null) {
      await("advance the cursor", client.putItem(r -> r.tableName(table).item(item)));
      return;
    }
    // Fenced: only while the reconciler's lease still carries this edge's token.
    List<String> refused =
        transact(
            "advance the cursor",
            List.of(
                TransactWriteItem.builder()
                    .conditionCheck(
                        c ->
                            c.tableName(table)
                                .key(key("lease", RECONCILER))
                                .conditionExpression("#t = :t")
                                .expressionAttributeNames(Map.of("#t", "token"))
                                .expressionAttributeValues(Map.of(":t", number(token))))
                    .build(),
                put(item)));
    if (!refused.isEmpty()) {
      throw new IllegalStateException(
          "dynamodb: the reconciler's lease (token "
              + token
              + ") was taken over; cursor not moved");
    }
  }

  @Override
  public boolean lead(String job, Duration ttl) {
    long now = clock.instant().toEpochMilli();
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":me", AttributeValue.fromS(owner));
    values.put(":until", number(now + ttl.toMillis()));
    values.put(":now", number(now));
    values.put(":one", number(1));
    // Take it when nobody holds it (a new token); else renew it while this edge does.
    UpdateItemResponse held =
        conditional(
            "hold the " + job + " lease",
            client.updateItem(
                r ->
                    r.tableName(table)
                        .key(key("lease", job))
                        .updateExpression("SET #o = :me, #u = :until ADD #t :one")
                        .conditionExpression("attribute_not_exists(#o) OR #u < :now")
                        .expressionAttributeNames(
                            Map.of("#o", "owner", "#u", "until", "#t", "token"))
                        .expressionAttributeValues(values)
                        .returnValues(ReturnValue.ALL_NEW)));
    if (held == null) {
      values.remove(":one");
      values.remove(":now");
      held =
          conditional(
              "renew the " + job + " lease",
              client.updateItem(
                  r ->
                      r.tableName(table)
                          .key(key("lease", job))
                          .updateExpression("SET #u = :until")
                          .conditionExpression("#o = :me")
                          .expressionAttributeNames(Map.of("#o", "owner", "#u", "until"))
                          .expressionAttributeValues(values)
                          .returnValues(ReturnValue.ALL_NEW)));
    }
    if (held == null) {
      return false;
    }
    tokens.put(job, Long.parseLong(field(held.attributes(), "token").n()));
    return true;
  }

  @Override
  public List<Delivery> due(Instant now, int limit) {
    List<Delivery> due = new ArrayList<>();
    Set<String> held = new HashSet<>();
    long nowMillis = now.toEpochMilli();
    for (Map<String, AttributeValue> item : query("o#pending")) {
      if (due.size() >= limit) {
        break;
      }
      Delivery delivery = delivery(item, State.PENDING);
      String objectId = delivery.objectId();
      if (objectId != null && !held.add(delivery.target() + "\n" + objectId)) {
        continue; // an earlier pending delivery of the same object to the same target
      }
      if (delivery.nextAttemptAt().toEpochMilli() > nowMillis || !claim(item, nowMillis)) {
        continue;
      }
      due.add(delivery);
    }
    return due;
  }

  /** Claims a pending delivery for this edge; false when another edge holds a live claim. */
  private boolean claim(Map<String, AttributeValue> item, long now) {
    AttributeValue otherOwner = item.get("owner");
    if (otherOwner != null
        && !otherOwner.s().equals(owner)
        && Long.parseLong(field(item, "claim").n()) > now) {
      return false;
    }
    return conditional(
            "claim a delivery",
            client.updateItem(
                r ->
                    r.tableName(table)
                        .key(key("o#pending", field(item, SK).s()))
                        .updateExpression("SET #o = :me, #c = :until")
                        .conditionExpression(
                            "attribute_exists("
                                + PK
                                + ") AND"
                                + " (attribute_not_exists(#o) OR #o = :me OR #c < :now)")
                        .expressionAttributeNames(Map.of("#o", "owner", "#c", "claim"))
                        .expressionAttributeValues(
                            Map.of(
                                ":me", AttributeValue.fromS(owner),
                                ":until", number(now + CLAIM.toMillis()),
                                ":now", number(now)))))
        != null;
  }

  private static Delivery delivery(Map<String, AttributeValue> item, State state) {
    String objectId = field(item, "object").s();
    AttributeValue error = item.get("error");
    AttributeValue payload = item.get("payload");
    return new Delivery(
        Long.parseLong(field(item, SK).s()),
        field(item, "event").s(),
        objectId.isEmpty() ? null : objectId,
        field(item, "target").s(),
        payload == null ? new byte[0] : payload.b().asByteArray(),
        Integer.parseInt(field(item, "attempts").n()),
        Instant.ofEpochMilli(Long.parseLong(field(item, "next").n())),
        state,
        error == null ? null : error.s());
  }

  @Override
  public void delivered(long id) {
    await(
        "mark delivery " + id + " delivered",
        client.deleteItem(r -> r.tableName(table).key(key("o#pending", pad(id)))));
  }

  @Override
  public void retryLater(long id, int attempts, Instant nextAttemptAt, String error) {
    conditional(
        "record a failed delivery " + id,
        client.updateItem(
            r ->
                r.tableName(table)
                    .key(key("o#pending", pad(id)))
                    .updateExpression("SET #a = :a, #n = :n, #e = :e REMOVE #o, #c")
                    .conditionExpression("attribute_exists(" + PK + ")")
                    .expressionAttributeNames(
                        Map.of(
                            "#a",
                            "attempts",
                            "#n",
                            "next",
                            "#e",
                            "error",
                            "#o",
                            "owner",
                            "#c",
                            "claim"))
                    .expressionAttributeValues(
                        Map.of(
                            ":a", number(attempts),
                            ":n", number(nextAttemptAt.toEpochMilli()),
                            ":e", AttributeValue.fromS(error)))));
  }

  @Override
  public void dead(long id, int attempts, String error) {
    Map<String, AttributeValue> pending =
        await(
                "read delivery " + id,
                client.getItem(
                    r -> r.tableName(table).key(key("o#pending", pad(id))).consistentRead(true)))
            .item();
    if (pending.isEmpty()) {
      return;
    }
    Map<String, AttributeValue> dead = new HashMap<>(pending);
    dead.putAll(key("o#dead", pad(id)));
    dead.remove("owner");
    dead.remove("claim");
    dead.put("attempts", number(attempts));
    dead.put("error", AttributeValue.fromS(error));
    move("bury delivery " + id, key("o#pending", pad(id)), dead);
  }

  @Override
  public List<Delivery> deadLetters() {
    return query("o#dead").stream().map(item -> delivery(item, State.DEAD)).toList();
  }

  @Override
  public int replay(@Nullable String eventId, Instant now) {
    int count = 0;
    for (Map<String, AttributeValue> item : query("o#dead")) {
      if (eventId != null && !eventId.equals(field(item, "event").s())) {
        continue;
      }
      Map<String, AttributeValue> pending = new HashMap<>(item);
      pending.putAll(key("o#pending", field(item, SK).s()));
      pending.put("attempts", number(0));
      pending.put("next", number(now.toEpochMilli()));
      String id = field(item, SK).s();
      move("replay delivery " + id, key("o#dead", id), pending);
      count++;
    }
    return count;
  }

  @Override
  public @Nullable Instant nextDue() {
    return query("o#pending").stream()
        .map(item -> Long.parseLong(field(item, "next").n()))
        .min(Long::compare)
        .map(Instant::ofEpochMilli)
        .orElse(null);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (eventLoops != null) {
      DynamoDbTier.close(client, eventLoops);
    } else {
      client.close();
    }
  }

  /** Deletes {@code from} and puts {@code to}, in one transaction. */
  private void move(String what, Map<String, AttributeValue> from, Map<String, AttributeValue> to) {
    List<String> refused =
        transact(
            what,
            List.of(
                TransactWriteItem.builder()
                    .delete(
                        d ->
                            d.tableName(table)
                                .key(from)
                                .conditionExpression("attribute_exists(" + PK + ")"))
                    .build(),
                put(to)));
    if (!refused.isEmpty() && !refused.get(0).equals("ConditionalCheckFailed")) {
      throw new IllegalStateException("dynamodb event store: cannot " + what + ": " + refused);
    }
  }

  /** Every item of partition {@code pk}, in sort-key order (strongly consistent). */
  private List<Map<String, AttributeValue>> query(String pk) {
    List<Map<String, AttributeValue>> items = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page =
          await(
              "read " + pk,
              client.query(
                  r ->
                      r.tableName(table)
                          .consistentRead(true)
                          .keyConditionExpression("#pk = :pk")
                          .expressionAttributeNames(Map.of("#pk", PK))
                          .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk)))
                          .exclusiveStartKey(from)));
      items.addAll(page.items());
      start =
          page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
              ? page.lastEvaluatedKey()
              : null;
    } while (start != null);
    return items;
  }

  /** The last of {@code count} new numbers of counter {@code name}. */
  private long next(String name, int count) {
    return Long.parseLong(
        field(
                await(
                        "count " + name,
                        client.updateItem(
                            r ->
                                r.tableName(table)
                                    .key(key("seq", name))
                                    .updateExpression("ADD #n :c")
                                    .expressionAttributeNames(Map.of("#n", "n"))
                                    .expressionAttributeValues(Map.of(":c", number(count)))
                                    .returnValues(ReturnValue.UPDATED_NEW)))
                    .attributes(),
                "n")
            .n());
  }

  /**
   * Runs {@code writes} in one transaction; returns nothing when it committed, else each item's
   * cancellation reason code ({@code None}, {@code ConditionalCheckFailed}, {@code
   * TransactionConflict}…).
   */
  private List<String> transact(String what, List<TransactWriteItem> writes) {
    try {
      await(what, client.transactWriteItems(r -> r.transactItems(writes)));
      return List.of();
    } catch (IllegalStateException e) {
      if (e.getCause() instanceof TransactionCanceledException canceled
          && canceled.hasCancellationReasons()) {
        return canceled.cancellationReasons().stream()
            .map(CancellationReason::code)
            .map(code -> code == null ? "None" : code)
            .toList();
      }
      throw e;
    }
  }

  private TransactWriteItem put(Map<String, AttributeValue> item) {
    return TransactWriteItem.builder().put(p -> p.tableName(table).item(item)).build();
  }

  private TransactWriteItem putNew(Map<String, AttributeValue> item) {
    return TransactWriteItem.builder()
        .put(
            p ->
                p.tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(" + PK + ")"))
        .build();
  }

  private long expiry() {
    return clock.instant().plus(retention).getEpochSecond();
  }

  private static Map<String, AttributeValue> key(String pk, String sk) {
    Map<String, AttributeValue> key = new HashMap<>();
    key.put(PK, AttributeValue.fromS(pk));
    key.put(SK, AttributeValue.fromS(sk));
    return key;
  }

  private static AttributeValue number(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  private static String pad(long value) {
    String digits = Long.toString(value);
    return "0".repeat(Math.max(0, WIDTH - digits.length())) + digits;
  }

  /** Waits through the core's scheduler (time is injected everywhere else; this is a backoff). */
  private static void sleep(long millis) {
    Scheduler.system().after(Duration.ofMillis(millis)).join();
  }

  private void open() {
    if (closed) {
      throw new IllegalStateException("dynamodb: the event store is closed");
    }
  }

  /** {@link #await} for a conditional write: null when its condition failed. */
  private <T> @Nullable T conditional(String what, CompletableFuture<T> call) {
    try {
      return await(what, call);
    } catch (IllegalStateException e) {
      if (e.getCause() instanceof ConditionalCheckFailedException) {
        return null;
      }
      throw e;
    }
  }

  private <T> T await(String what, CompletableFuture<T> call) {
    open();
    try {
      return call.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("dynamodb: interrupted while trying to " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause =
          e instanceof ExecutionException && e.getCause() != null
              ? TableSetup.cause(e.getCause())
              : e;
      throw new IllegalStateException(
          "dynamodb event store " + table + ": cannot " + what + ": " + cause.getMessage(), cause);
    }
  }

  @Override
  public String toString() {
    return "DynamoDbEventStore[" + table + "]";
  }

  /** An item's attribute this store always writes; a missing one is a corrupt or foreign row. */
  private static AttributeValue field(Map<String, AttributeValue> item, String name) {
    AttributeValue value = item.get(name);
    if (value == null) {
      throw new IllegalStateException(
          "event store row without " + name + ": not written by this edge");
    }
    return value;
  }
}
