package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.EventLog;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.engine.Versions;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Webhook endpoints: CRUD; create returns the {@code whsec_} secret once (as Stripe does).
 *
 * <p>The secret is kept in the entry's attributes, not its JSON, so a retrieve does not show it.
 * Updating {@code secret_rotation}-style is not Stripe API; rotation is on the control API.
 */
final class WebhookEndpoints {

  static final Crud CRUD = new Crud("webhook_endpoints", "webhook_endpoint");

  private static final List<String> CREATE =
      List.of("url", "enabled_events", "description", "metadata", "api_version", "connect");
  private static final List<String> UPDATE =
      List.of("url", "enabled_events", "description", "metadata", "disabled");

  private WebhookEndpoints() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, WebhookEndpoints::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", WebhookEndpoints::update);
    CRUD.list(router, List.of());
    router.add(
        new Route(
            "DELETE",
            CRUD.url() + "/{id}",
            Route.Kind.WRITE,
            Route.params(List.of()),
            "id",
            call -> {
              call.require(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
              call.delete(CRUD.type(), call.path("id"));
              return new Result.Obj(CRUD.deleted(call.path("id")));
            }));
  }

  private static Result create(Call call) {
    String url = validUrl(call.params().requiredString("url"));
    List<String> events = enabledEvents(call);
    Map<String, Object> endpoint = call.newObject("we", "webhook_endpoint");
    String apiVersion = call.params().string("api_version");
    Versions.validate(apiVersion, "api_version");
    endpoint.put("api_version", apiVersion);
    endpoint.put("application", null);
    endpoint.put("description", call.params().string("description"));
    endpoint.put("enabled_events", events);
    endpoint.put("metadata", call.params().applyMetadata("metadata", new LinkedHashMap<>()));
    endpoint.put("status", "enabled");
    endpoint.put("url", url);
    String secret = "whsec_" + call.state().ids().token(32);
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put(EventLog.SECRET, secret);
    attrs.put(EventLog.CONNECT, String.valueOf(call.params().boolOr("connect", false)));
    call.insert(CRUD.type(), endpoint, attrs);
    Map<String, Object> shown = new LinkedHashMap<>(endpoint);
    shown.put("secret", secret);
    return new Result.Obj(shown);
  }

  private static Result update(Call call) {
    Entry entry = call.require(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
    Map<String, Object> endpoint = call.read(entry);
    if (call.params().has("url")) {
      endpoint.put("url", validUrl(call.params().requiredString("url")));
    }
    if (call.params().has("enabled_events")) {
      endpoint.put("enabled_events", enabledEvents(call));
    }
    if (call.params().has("description")) {
      endpoint.put("description", call.params().string("description"));
    }
    if (call.params().has("disabled")) {
      endpoint.put("status", call.params().boolOr("disabled", false) ? "disabled" : "enabled");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) endpoint.get("metadata");
    endpoint.put("metadata", call.params().applyMetadata("metadata", metadata));
    call.save(CRUD.type(), endpoint);
    return new Result.Obj(endpoint);
  }

  private static List<String> enabledEvents(Call call) {
    List<String> events = call.params().stringList("enabled_events");
    if (events.isEmpty()) {
      throw StripeError.parameterMissing("enabled_events");
    }
    return events;
  }

  private static String validUrl(String url) {
    try {
      URI uri = new URI(url);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new URISyntaxException(url, "not an http(s) URL");
      }
      return url;
    } catch (URISyntaxException e) {
      throw StripeError.invalid("url_invalid", "Invalid URL: " + url, "url");
    }
  }
}
