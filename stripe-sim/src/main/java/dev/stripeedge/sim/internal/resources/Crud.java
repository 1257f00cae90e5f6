package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.Handler;
import dev.stripeedge.sim.internal.engine.ListQuery;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The operations most resources share: retrieve, list with filters, delete, and the update
 * bookkeeping ({@code previous_attributes}).
 *
 * @param type the collection name, also the URL segment ({@code customers})
 * @param objectName Stripe's {@code object} value ({@code customer})
 */
record Crud(String type, String objectName) {

  String url() {
    return "/v1/" + type;
  }

  void retrieve(Router router) {
    router.add(
        new Route(
            "GET",
            url() + "/{id}",
            Route.Kind.READ,
            Route.params(List.of()),
            null,
            call -> new Result.Stored(call.require(type, objectName, call.path("id"), "id"))));
  }

  /**
   * A list endpoint; {@code filters} are equality filters on entry attributes named like the
   * parameters ({@code customer}, {@code product}, …).
   */
  void list(Router router, List<String> filters) {
    list(router, filters, List.of(), call -> e -> true);
  }

  /**
   * A list endpoint with attribute {@code filters} plus {@code extraParams} that {@code extra}
   * turns into a further filter.
   */
  void list(
      Router router,
      List<String> filters,
      List<String> extraParams,
      Function<Call, Predicate<Entry>> extra) {
    List<String> accepted = new ArrayList<>(ListQuery.PARAMS);
    accepted.addAll(filters);
    accepted.addAll(extraParams);
    router.add(
        new Route(
            "GET",
            url(),
            Route.Kind.LIST,
            Route.params(accepted),
            null,
            call -> {
              ListQuery query = ListQuery.from(call.params());
              Map<String, String> wanted = new LinkedHashMap<>();
              for (String filter : filters) {
                String value = call.params().string(filter);
                if (value != null) {
                  wanted.put(filter, value);
                }
              }
              Predicate<Entry> matches =
                  entry -> {
                    for (Map.Entry<String, String> w : wanted.entrySet()) {
                      if (!w.getValue().equals(entry.attr(w.getKey()))) {
                        return false;
                      }
                    }
                    return true;
                  };
              Predicate<Entry> filter = matches.and(extra.apply(call));
              return new Result.Listing(
                  url(), call.collection(type).list(query, filter, objectName));
            }));
  }

  /** {@code DELETE /v1/type/{id}}: removes the object, emits {@code <object>.deleted}. */
  void delete(Router router) {
    router.add(
        new Route(
            "DELETE",
            url() + "/{id}",
            Route.Kind.WRITE,
            Route.params(List.of()),
            "id",
            call -> {
              Map<String, Object> object = call.load(type, objectName, call.path("id"), "id");
              call.delete(type, call.path("id"));
              call.emit(objectName + ".deleted", object);
              return new Result.Obj(deleted(call.path("id")));
            }));
  }

  void add(
      Router router,
      String method,
      String path,
      Route.Kind kind,
      List<String> params,
      String lockVar,
      Handler handler) {
    router.add(new Route(method, url() + path, kind, Route.params(params), lockVar, handler));
  }

  /** Stores a new object with {@code attrs} and emits {@code <object>.created}. */
  Entry insert(Call call, Map<String, Object> object, Map<String, String> attrs) {
    Entry entry = call.insert(type, object, attrs);
    call.emit(objectName + ".created", object);
    return entry;
  }

  /**
   * The body of {@code POST /v1/type/{id}}: loads the object, lets {@code apply} change it, then
   * {@link #saveChanged stores and announces} it with the attributes {@code attrs} computes (null
   * keeps the entry's).
   */
  Result update(
      Call call,
      BiConsumer<Call, Map<String, Object>> apply,
      Function<Map<String, Object>, @Nullable Map<String, String>> attrs) {
    Map<String, Object> object = call.load(type, objectName, call.path("id"), "id");
    Map<String, Object> before = new LinkedHashMap<>(object);
    apply.accept(call, object);
    saveChanged(call, before, object, attrs.apply(object));
    return new Result.Obj(object);
  }

  /**
   * Stores {@code object} and emits {@code <object>.updated} with its {@link #previous} values when
   * it differs from {@code before}; an unchanged object is neither stored nor announced, as at
   * Stripe.
   *
   * @param attrs the entry's new attributes, null to keep the current ones
   */
  void saveChanged(
      Call call,
      Map<String, Object> before,
      Map<String, Object> object,
      @Nullable Map<String, String> attrs) {
    Map<String, Object> previous = previous(before, object);
    if (!previous.isEmpty()) {
      call.save(type, object, attrs);
      call.emit(objectName + ".updated", object, previous);
    }
  }

  Map<String, Object> deleted(String id) {
    Map<String, Object> gone = new LinkedHashMap<>();
    gone.put("id", id);
    gone.put("object", objectName);
    gone.put("deleted", true);
    return gone;
  }

  /**
   * The values {@code updated} changed, as they were in {@code before}: Stripe's {@code
   * data.previous_attributes}. Empty when nothing changed.
   */
  static Map<String, Object> previous(Map<String, Object> before, Map<String, Object> updated) {
    Map<String, Object> changed = new LinkedHashMap<>();
    for (Map.Entry<String, Object> field : updated.entrySet()) {
      Object old = before.get(field.getKey());
      if (!Objects.equals(old, field.getValue())) {
        changed.put(field.getKey(), old);
      }
    }
    return changed;
  }

  /** Copies the listed string/nullable fields from params onto the object. */
  static void copyStrings(Call call, Map<String, Object> object, Set<String> fields) {
    for (String field : fields) {
      if (call.params().has(field)) {
        object.put(field, call.params().string(field));
      }
    }
  }
}
