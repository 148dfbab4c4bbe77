// A head office data folder (branch VLAXL, Leeds) served by the real `dsptsync-server serve` binary
// in a child process on 127.0.0.1, optionally run under a wrapper such as `prlimit`, with its log in
// a file and helpers to enrol real laptops against it.
#pragma once

#include "fixture.h"
#include "server_process.h"

#include "../common/raw_http.h"

#include "dsptsync/tuning.h"

#include <nlohmann/json.hpp>

namespace dsptsync::testing {

class ServedHeadOffice {
 public:
  // `wrapper` comes before the server's own command line (e.g. {"/usr/bin/prlimit", "--nofile=64:64", "--"}).
  explicit ServedHeadOffice(std::vector<std::string> wrapper = {}, std::vector<std::string> serve_flags = {}) {
    auto created = server::HeadOffice::create({data(), "A1B2", "Acme Care Group", "2021-22", std::nullopt});
    if (!created) throw std::runtime_error(created.error().message);
    if (auto added = (*created)->add_branch("VLAXL", "Leeds"); !added) throw std::runtime_error(added.error().message);
    created->reset();
    std::vector<std::string> args = std::move(wrapper);
    for (std::string arg : {std::string(DSPTSYNC_SERVER_CLI), std::string("--data"), data().string(),
                            std::string("--json"), std::string("serve"), std::string("--listen"),
                            std::string("127.0.0.1:0")})
      args.push_back(std::move(arg));
    args.insert(args.end(), serve_flags.begin(), serve_flags.end());
    child_ = Child::start(args, log());
    const auto line = child_->read_line(Clock::now() + 10s);
    const auto parsed = nlohmann::json::parse(line.value_or(""), nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("listening"))
      throw std::runtime_error("the server did not listen:\n" + tail_of(log(), 10));
    port_ = parsed["listening"]["port"].get<std::uint16_t>();
  }

  std::filesystem::path data() const { return dir_ / "hq"; }
  std::filesystem::path log() const { return dir_ / "server.log"; }
  const TempDir& dir() const { return dir_; }
  std::uint16_t port() const { return port_; }
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_); }
  double cpu_seconds() const { return child_->cpu_seconds(); }
  pid_t pid() const { return child_->pid(); }
  Child& process() const { return *child_; }

  // GET /health on a new connection; status 0 when there was no answer.
  Answer health() const {
    RawHttp http(port_);
    if (!http.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) return {};
    return http.next().value_or(Answer{});
  }

  // A second HeadOffice on the same folder, as the admin CLI opens it while the server runs.
  std::unique_ptr<server::HeadOffice> admin() const {
    auto opened = server::HeadOffice::open(data(), std::nullopt);
    if (!opened) throw std::runtime_error(opened.error().message);
    return std::move(*opened);
  }

  // A new laptop store in dir()/name, enrolled for `user` at `branch` as a member, and opened.
  std::unique_ptr<client::Workspace> enrol(const std::string& name, const std::string& user, const std::string& branch) {
    server::InviteRequest request;
    request.user = user;
    request.branch = branch;
    request.role = protocol::Role::member;
    auto issued = admin()->invite(request);
    if (!issued) throw std::runtime_error(issued.error().message);
    client::EnrolOptions options{dir_ / name, url(), issued->code, std::nullopt, "test laptop"};
    if (auto enrolled = client::enrol(options); !enrolled) throw std::runtime_error("enrol: " + enrolled.error().message);
    auto workspace = client::Workspace::open(dir_ / name, std::nullopt);
    if (!workspace) throw std::runtime_error(workspace.error().message);
    return std::move(*workspace);
  }

  // An item the branch answers itself (not one head office shares).
  static std::string branch_item(client::Workspace& laptop) {
    auto view = laptop.view();
    if (!view) throw std::runtime_error(view.error().message);
    for (const auto& item : laptop.catalogue().items())
      if (!view->shared_items.count(item.id)) return item.id;
    throw std::runtime_error("the branch answers no item itself");
  }

 private:
  TempDir dir_;
  std::unique_ptr<Child> child_;  // killed and reaped by its own id when this ends
  std::uint16_t port_ = 0;
};

}  // namespace dsptsync::testing
