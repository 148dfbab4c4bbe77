// The web app (docs/api.md): its pages (embedded static files, assets.h) and its JSON API, over a
// Backend. Transport-free: the server's listener and `dsptsync ui`'s hand it whole requests.
//
// Threads: serve_static may run on any thread (it reads nothing but the embedded files), and so may
// a sign-in (is_sign_in): it uses only Backend::check_password, which must be thread-safe, so the
// server checks Argon2id hashes off its storage thread. Everything else handle does uses the
// backend's store: the transport calls it where the store may be used (the server's storage thread;
// the laptop's only thread).
#pragma once

#include "dsptsync/web/backend.h"
#include "dsptsync/web/http.h"
#include "dsptsync/web/sessions.h"

#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace dsptsync::web {

inline constexpr std::string_view kSessionCookie = "dsptsync_session";

struct AppOptions {
  // Cookies get `Secure` (the server serves over TLS).
  bool tls = false;
  // Branch mode: the only Host header accepted ("127.0.0.1:PORT"; "localhost:PORT" too), so a web
  // page elsewhere cannot reach the laptop's app by DNS rebinding. Empty: any host.
  std::string local_port;
  // Where the app reads the time (sessions, sign-in links, sign-in limits): the wall clock unless a
  // test gives another, so expiry and waits are tested without waiting.
  std::function<TimestampMs()> clock = now_ms;
};

class WebApp {
 public:
  WebApp(Backend& backend, AppOptions options);

  // A page or asset (GET or HEAD of an embedded file; "/" is the app's page); nullopt otherwise.
  std::optional<HttpResponse> serve_static(const HttpRequest& request) const;
  // POST /api/session and POST /api/set-password (a one-time link's new password, hashed with
  // Argon2id like a sign-in's check): may run on any thread (see above).
  static bool is_sign_in(const HttpRequest& request);
  // The API and the sign-in link. Any request that is not the app's: 404.
  HttpResponse handle(const HttpRequest& request);

  // Branch mode: the one-time sign-in link for the laptop's user ("/signin?token=...").
  std::string sign_in_link(const std::string& user);

 private:
  HttpResponse handle_api(const HttpRequest& request, const std::vector<std::string>& segments);
  HttpResponse sign_in(const HttpRequest& request);
  HttpResponse set_password(const HttpRequest& request);
  static HttpResponse sign_in_throttled(int wait_seconds);
  HttpResponse session_json(const Actor& actor, const Session& session);
  // With `known`, from the organisation given instead of reading the store (a sign-in).
  HttpResponse session_json(const Actor& actor, const Session& session, std::optional<OrganisationInfo> known);
  HttpResponse redeem_link(const HttpRequest& request);
  HttpResponse dashboard(const Actor& actor);
  HttpResponse assessment(const Actor& actor, const std::string& scope);
  HttpResponse conflicts(const Actor& actor, const std::optional<std::string>& scope);
  HttpResponse history(const Actor& actor, const std::string& scope, const std::string& id);
  HttpResponse change_item(const Actor& actor, const HttpRequest& request, const std::string& scope,
                           const std::string& item, const std::string& what);
  HttpResponse change_assertion(const Actor& actor, const HttpRequest& request, const std::string& scope,
                                const std::string& assertion);
  HttpResponse resolve(const Actor& actor, const HttpRequest& request);
  HttpResponse export_download(const Actor& actor, const HttpRequest& request);
  // incident_routes.cpp: /api/incidents and /api/incidents/{id}.
  HttpResponse incidents_route(const Actor& actor, const HttpRequest& request, const std::vector<std::string>& segments);
  // document_routes.cpp: /api/documents and /api/documents/{id}[/versions|/acknowledge|/file|/acknowledgements].
  HttpResponse documents_route(const Actor& actor, const HttpRequest& request,
                               const std::vector<std::string>& segments);
  HttpResponse document_route(const Actor& actor, const HttpRequest& request, const std::vector<std::string>& segments);
  HttpResponse record(const Actor& actor, const ScopeSnapshot& snapshot, const std::vector<Edit>& edits);
  // batch_routes.cpp: several items' answers and comments in one request (PUT .../items), several
  // items' plan lines (PUT .../plan) and generated plan lines (POST .../plan/generate).
  HttpResponse change_items(const Actor& actor, const HttpRequest& request, const std::string& scope);
  HttpResponse change_plans(const Actor& actor, const HttpRequest& request, const std::string& scope, bool generate);
  // Whether a request that changes something comes from this app's own page (docs/api.md).
  std::optional<HttpResponse> check_change_request(const HttpRequest& request, const Session& session) const;
  bool host_allowed(const HttpRequest& request) const;
  std::string cookie(const std::string& token, int max_age_seconds) const;

  Backend& backend_;
  AppOptions options_;
  // The organisation as last read on the store's thread, for a sign-in's answer (which runs
  // elsewhere and must not touch the store).
  mutable std::mutex organisation_mutex_;
  OrganisationInfo organisation_;
  SessionStore sessions_;
  SignInLimiter limiter_;
};

// The permission rules of one edit through the web app, the same as the CLI's and the server's
// (docs/api.md): viewers change nothing; a branch's people only their branch's assessment; only
// administrators confirm; only head office's administrators decide sharing, in head office's scope;
// a branch answers a shared item only after recording an override. The error says the way out.
Status check_edit_allowed(const Actor& actor, const ScopeSnapshot& snapshot, const FieldKey& key);

}  // namespace dsptsync::web
