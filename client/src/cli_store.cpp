// `dsptsync` commands that make the store and keep it in step with head office (docs/cli.md): init,
// enrol, sync, status, and ui, the web app on this computer.
#include "cli_commands.h"

#include "dsptsync/client/sync.h"
#include "dsptsync/client/ui_server.h"
#include "dsptsync/platform.h"
#include "dsptsync/service/document_json.h"

#include <atomic>
#include <map>
#include <sstream>

namespace dsptsync::client {
namespace {

// Who `init` attributes edits to when no --user is given: --user before the command, else
// $DSPTSYNC_USER, else the login's full name, else the login name (platform::login_name). Empty when
// none of them says.
std::string default_init_user(const GlobalOptions& global) {
  if (!global.user.empty()) return global.user;
  if (auto env = platform::environment("DSPTSYNC_USER")) return *env;
  return platform::login_name();
}

// A queued change the question set in force no longer takes: kept here, not sent (docs/cli.md: sync).
json held_json(const std::vector<HeldChange>& held) {
  json list = json::array();
  for (const auto& change : held)
    list.push_back({{"change", change.change_id}, {"kind", to_string(change.key.kind)}, {"target", change.key.target},
                    {"field", to_string(change.key.field)}, {"year", change.key.year}, {"user", change.user},
                    {"at", format_timestamp(change.at)}, {"reason", change.reason}});
  return list;
}

// The policy library's files a sync moved (docs/cli.md: sync).
json files_json(const FileTransferSummary& files) {
  json refused = json::array();
  for (const auto& file : files.refused)
    refused.push_back({{"file", file.file.name},
                       {"root", files::to_hex(file.file.root)},
                       {"scope", file.file.scope},
                       {"direction", file.upload ? "upload" : "fetch"},
                       {"code", file.code},
                       {"message", file.message}});
  return {{"fetched", files.fetched},
          {"uploaded", files.uploaded},
          {"bytes_received", files.bytes_received},
          {"bytes_sent", files.bytes_sent},
          {"refused", std::move(refused)},
          {"interrupted", files.interrupted.empty() ? json(nullptr) : json(files.interrupted)}};
}

std::string files_text(const FileTransferSummary& files) {
  std::string text;
  if (files.fetched || files.uploaded)
    text += "Files: " + std::to_string(files.fetched) + " received (" + std::to_string(files.bytes_received) +
            " bytes), " + std::to_string(files.uploaded) + " sent (" + std::to_string(files.bytes_sent) + " bytes)\n";
  for (const auto& file : files.refused)
    text += "File " + file.file.name + " not " + (file.upload ? "sent" : "received") + ": " + file.message + " (" +
            file.code + ")\n";
  if (!files.interrupted.empty()) text += "Files stopped part-way: " + files.interrupted + "\n";
  return text;
}

// A line when a file starts, at each quarter, and when it is whole: enough to see it move.
FileProgressCallback print_file_progress(std::ostream& err) {
  return [&err, quarters = std::map<std::string, std::uint64_t>()](const FileTransferProgress& p) mutable {
    const std::uint64_t quarter = p.total ? p.done * 4 / p.total : 4;
    const std::string key = files::to_hex(p.file.root) + (p.upload ? "up" : "down");
    auto [seen, first] = quarters.try_emplace(key, quarter);
    if (!first && seen->second == quarter) return;
    seen->second = quarter;
    err << (p.upload ? "Sending " : "Receiving ") << p.file.name << ": " << p.done / 1024 << " of " << p.total / 1024
        << " KiB" << std::endl;
  };
}

std::string held_text(const std::vector<HeldChange>& held) {
  if (held.empty()) return {};
  std::string text = std::to_string(held.size()) + " change(s) kept on this device and not sent: the question set in "
                     "force no longer has their item (they go up if a later set has it again):\n";
  for (const auto& change : held)
    text += "  " + change.key.year + " " + change.key.target + " " + std::string(to_string(change.key.field)) + " (" +
            change.user + ", " + format_timestamp(change.at) + "): " + change.reason + "\n";
  return text;
}

// A store that is not there: how to make one, for the command that needs it.
Error with_how_to_make_a_store(Error error) {
  if (error.kind == ErrorKind::not_found && error.message.rfind("there is no dsptsync store", 0) == 0) {
    const auto cut = error.message.find(';');
    const auto years = shipped_years();
    const std::string year = years.empty() ? std::string("YEAR") : years.back().label();
    error.message = error.message.substr(0, cut) +
                    ". Create one for this site with 'dsptsync init --ods CODE --name NAME --year " + year +
                    "', or enrol this computer with head office with 'dsptsync enrol URL CODE'; or "
                    "choose the folder of an existing store with --store";
  }
  return error;
}

std::atomic<bool> g_stop_watch{false};

Output init_output(const Workspace& w, const InitOptions& init, bool user_given) {
  return Output{{{"store", platform::utf8_of(w.dir())},
                 {"ods", w.site().code},
                 {"ods_kind", to_string(w.site().kind)},
                 {"name", w.organisation_name()},
                 {"year", w.year().label()},
                 {"items", w.catalogue().items().size()},
                 {"user", init.user},
                 {"key", init.passphrase ? "passphrase" : platform::utf8_of(w.dir() / "store.key")}},
                "Created the " + w.year().label() + " assessment for " + w.organisation_name() + " (" + w.site().code +
                    ") in " + platform::utf8_of(w.dir()) + "\nEdits made here are attributed to " + init.user +
                    (user_given ? "" : " (your login; choose another name with --user)") + ".\nKeep a backup of " +
                    (init.passphrase ? std::string("your passphrase") : platform::utf8_of(w.dir() / "store.key")) +
                    ": without it the answers cannot be read.\n"};
}

void add_enrol(BranchCli& cli) {
  struct Options {
    std::string url, code, device_name;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = cli.line.app().add_subcommand("enrol", "enrol this device with the head office server, using a one-time code");
  cmd->add_option("URL", o.url, "the server, e.g. ws://hq.example:8443")->required();
  cmd->add_option("CODE", o.code, "the enrolment code from 'dsptsync-server invite'")->required();
  cmd->add_option("--device-name", o.device_name, "a name for this device (default: the host name)");
  cli.line.on_run(cmd, [&o, &global = cli.global]() -> Result<Output> {
    EnrolOptions options{store_dir(global), o.url, o.code, passphrase_from_environment(), o.device_name};
    auto enrolled = enrol(options);
    if (!enrolled) return enrolled.error();
    const auto& ready = enrolled->ready;
    return Output{{{"store", platform::utf8_of(options.dir)},
                   {"organisation", ready.organisation},
                   {"hq_code", ready.hq_code},
                   {"branch", ready.branch},
                   {"scope", enrolled->scope},
                   {"user", ready.user},
                   {"role", protocol::to_string(ready.role)},
                   {"year", ready.year},
                   {"device", enrolled->device_id},
                   {"changes_received", enrolled->changes_received}},
                  "Enrolled this device for " + ready.user + " (" + std::string(protocol::to_string(ready.role)) +
                      ") at " + ready.organisation + ", " +
                      (ready.branch.empty() ? "head office" : "branch " + ready.branch) + "\nReceived " +
                      std::to_string(enrolled->changes_received) + " change(s); the store is in " +
                      platform::utf8_of(options.dir) + "\nWork offline as usual, then run 'dsptsync sync'.\n"};
  });
}

Result<Output> sync_once_output(Workspace& workspace, const BranchCli& cli) {
  auto before = workspace.conflicts();
  if (!before) return before.error();
  SyncOptions options;
  // Progress for a person at a terminal (stderr, so the result on stdout stays one block); a script
  // asking for --json gets only the result.
  if (!cli.line.as_json()) {
    options.on_step = [&cli](const std::string& step) { cli.err << step << std::endl; };
    options.on_file_progress = print_file_progress(cli.err);
  }
  auto result = sync_once(workspace, options);
  if (!result) {
    if (!is_unreachable(result.error())) return result.error();
    auto status = sync_status(workspace);
    if (!status) return status.error();
    return make_error(result.error().kind, unreachable_message(result.error(), status->pending));
  }
  std::string text = "Synced: " + std::to_string(result->pushed) + " change(s) sent, " +
                     std::to_string(result->received) + " received\n";
  for (const auto& year : result->question_sets)
    text += "Took head office's " + year + " question set (dsptsync catalogue show)\n";
  // What this sync brought in that people must settle, named here rather than found later.
  auto after = workspace.conflicts();
  if (!after) return after.error();
  json brought = json::array();
  for (const auto& conflict : new_conflicts(*before, *after)) {
    brought.push_back(
        {{"target", conflict.key.target}, {"field", to_string(conflict.key.field)}, {"summary", conflict.summary}});
    text += "New conflict: " + conflict.summary + "\n";
  }
  if (!brought.empty()) text += "'dsptsync conflicts' shows each one and how to settle it\n";
  return Output{{{"pushed", result->pushed},
                 {"received", result->received},
                 {"cursor", result->cursor},
                 {"pending", result->pending},
                 {"question_sets", result->question_sets},
                 {"held", held_json(result->held)},
                 {"new_conflicts", std::move(brought)},
                 {"files", files_json(result->files)}},
                text + held_text(result->held) + files_text(result->files)};
}

// sync --watch: one line (or JSON object) per event as it happens, then what is left to send.
Result<Output> sync_watch_output(Workspace& workspace, int for_seconds, const BranchCli& cli) {
  platform::stop_on_request(g_stop_watch);
  WatchOptions options;
  options.stop = &g_stop_watch;
  if (for_seconds > 0) options.run_for = std::chrono::seconds(for_seconds);
  options.on_event = [&cli](std::string_view name, const std::string& detail) {
    if (cli.line.as_json())
      cli.out << json{{"event", name}, {"detail", detail}, {"at", format_timestamp(now_ms())}}.dump() << std::endl;
    else
      cli.out << format_timestamp(now_ms()) << "  " << name << (detail.empty() ? "" : ": " + detail) << std::endl;
  };
  if (auto s = sync_watch(workspace, options); !s) return s.error();
  auto status = sync_status(workspace);
  if (!status) return status.error();
  return Output{{{"event", "stopped"}, {"pending", status->pending}, {"cursor", status->cursor},
                 {"held", held_json(status->held)}},
                "Stopped watching; " + std::to_string(status->pending) + " change(s) waiting to go up\n" +
                    held_text(status->held)};
}

void add_sync(BranchCli& cli) {
  struct Options {
    bool watch = false;
    int for_seconds = 0;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = cli.line.app().add_subcommand("sync", "push queued changes and pull new ones from head office");
  cmd->add_flag("--watch", o.watch, "stay connected: push edits as they happen, receive others' as they come");
  cmd->add_option("--for", o.for_seconds, "with --watch: stop after this many seconds");
  cli.on_store_run(cmd, [&o, &cli](Workspace& workspace) {
    return o.watch ? sync_watch_output(workspace, o.for_seconds, cli) : sync_once_output(workspace, cli);
  });
}

// Incidents whose 72 hours to tell the ICO are running, most overdue first: {id, deadline, left_ms,
// left, overdue} each, and a line each for people.
json incidents_to_report(const std::vector<GradedIncident>& incidents, std::ostream& text) {
  json running = json::array();
  for (const auto& graded : incidents) {
    if (!graded.clock.applies) continue;
    running.push_back({{"id", graded.incident.id},
                       {"deadline", incident_time_text(graded.clock.deadline)},
                       {"left_ms", graded.clock.left_ms},
                       {"left", graded.clock.left_text()},
                       {"overdue", graded.clock.overdue()}});
    text << "Incident " << graded.incident.id << " must be reported to the ICO by "
         << uk_local_time(graded.clock.deadline) << " (" << graded.clock.left_text() << ")\n";
  }
  return running;
}

Result<Output> status_output(Workspace& workspace) {
  auto status = sync_status(workspace);
  if (!status) return status.error();
  json data = {{"enrolled", status->enrolled},
               {"server", status->url},
               {"user", status->user},
               {"role", status->role},
               {"branch", status->branch},
               {"scope", workspace.site().code},
               {"last_synced_at", status->last_synced_at ? json(format_timestamp(*status->last_synced_at)) : json()},
               {"pending", status->pending},
               {"cursor", status->cursor},
               {"held", held_json(status->held)}};
  std::ostringstream text;
  text << workspace.organisation_name() << " (" << workspace.site().code << ")\n";
  if (!status->enrolled) text << "Single site: this assessment is kept on this computer only\n";
  else
    text << "Server: " << status->url << " as " << status->user << " (" << status->role << ")\n"
         << "Last synced: " << (status->last_synced_at ? format_timestamp(*status->last_synced_at) : std::string("never"))
         << "\n";
  if (status->enrolled) text << status->pending << " change(s) waiting to go up\n" << held_text(status->held);
  auto incidents = workspace.incidents(now_ms());
  if (!incidents) return incidents.error();
  data["incidents_to_report"] = incidents_to_report(*incidents, text);
  auto due = workspace.review_warnings(date_of(now_ms()));
  if (!due) return due.error();
  data["review_warnings"] = json::array();
  for (const auto& warning : *due) {
    data["review_warnings"].push_back(service::to_json(warning, JsonStyle::cli));
    text << "Review: " << warning.text << "\n";
  }
  return Output{data, text.str()};
}

void add_ui(BranchCli& cli) {
  struct Options {
    int port = 0;
    bool no_open = false;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = cli.line.app().add_subcommand(
      "ui", "the web app on this computer, offline: serve it on 127.0.0.1 and open it in the browser");
  cmd->add_option("--port", o.port, "the port on 127.0.0.1 (default 0: any free one)")->check(CLI::Range(0, 65535));
  cmd->add_flag("--no-open", o.no_open, "print the sign-in link only; do not open a browser");
  cli.line.on_run(cmd, [&o, &cli]() -> Result<Output> {
    auto workspace = open_workspace(cli.global);
    if (!workspace) return with_how_to_make_a_store(workspace.error());
    UiServeOptions options;
    options.port = static_cast<std::uint16_t>(o.port);
    options.on_listening = [&o, &cli](std::uint16_t port, const std::string& link) {
      if (cli.line.as_json()) cli.out << json{{"url", link}, {"port", port}}.dump() << std::endl;
      else cli.out << "Open " << link << std::endl;
      if (!o.no_open) platform::open_in_browser(link);
    };
    options.log = [&cli](const std::string& message) { cli.err << "dsptsync ui: " << message << std::endl; };
    if (auto served = serve_ui(**workspace, options); !served) return served.error();
    return Output{nullptr, "Stopped\n"};
  });
}

}  // namespace

void add_init_command(BranchCli& cli) {
  auto& init = cli.line.keep<InitOptions>();
  auto* cmd = cli.line.app().add_subcommand("init", "create the local store for one site or organisation");
  cmd->add_option("--ods", init.ods, "ODS code: site V****, head office A***/C***, or 8-code")->required();
  cmd->add_option("--name", init.name, "organisation or branch name")->required();
  cmd->add_option("--year", init.year, "assessment year, e.g. 2021-22")->required();
  auto* user_option = cmd->add_option(
      "--user", init.user, "your name, recorded with every edit (default: your login's full name, or its user name)");
  cli.line.on_run(cmd, [&init, user_option, &global = cli.global]() -> Result<Output> {
    const bool user_given = user_option->count() > 0;
    if (!user_given) init.user = default_init_user(global);
    if (init.user.empty())
      return invalid_input("your login has no name to attribute edits to; give one with --user \"YOUR NAME\"");
    init.dir = store_dir(global);
    init.passphrase = passphrase_from_environment();
    auto workspace = Workspace::create(init);
    if (!workspace) return workspace.error();
    return init_output(**workspace, init, user_given);
  });
}

void add_sync_commands(BranchCli& cli) {
  add_enrol(cli);
  add_sync(cli);
  auto* status = cli.line.app().add_subcommand("status", "when this store last synced and how many changes wait to go up");
  cli.on_store_run(status, status_output);
  add_ui(cli);
}

}  // namespace dsptsync::client
