// A real HQ server on 127.0.0.1 (a port the OS picks) in a thread of the test, with real SQLite
// files and real crypto, and helpers to enrol real client stores against it.
#pragma once

#include "../common/test_support.h"

#include "dsptsync/client/sync.h"
#include "dsptsync/client/workspace.h"
#include "dsptsync/server/head_office.h"
#include "dsptsync/server/sync_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <future>
#include <thread>

namespace dsptsync::testing {

class RunningServer {
 public:
  explicit RunningServer(std::vector<std::pair<std::string, std::string>> branches = {{"VLAXL", "Leeds"},
                                                                                      {"VM2B3", "York"}},
                         std::optional<std::pair<std::filesystem::path, std::filesystem::path>> tls = std::nullopt)
      : tls_(std::move(tls)) {
    auto created = server::HeadOffice::create({dir_.path() / "hq", "A1B2", "Acme Care Group", "2021-22", std::nullopt});
    if (!created) throw std::runtime_error(created.error().message);
    for (const auto& [ods, name] : branches)
      if (auto s = (*created)->add_branch(ods, name); !s) throw std::runtime_error(s.error().message);
    created->reset();
    start();
  }
  ~RunningServer() { stop(); }

  void start() {
    auto opened = server::HeadOffice::open(dir_.path() / "hq", std::nullopt);
    if (!opened) throw std::runtime_error(opened.error().message);
    serving_ = std::move(*opened);
    stop_ = false;
    std::promise<std::uint16_t> listening;
    auto port = listening.get_future();
    thread_ = std::thread([this, &listening] {
      server::ServeOptions options;
      options.listen = "127.0.0.1:" + std::to_string(port_);  // 0 the first time; the same port on restart
      options.stop_requested = &stop_;
      if (tls_) {
        options.tls_certificate = tls_->first;
        options.tls_private_key = tls_->second;
      }
      options.on_listening = [&](std::uint16_t bound) { listening.set_value(bound); };
      result_ = server::serve(*serving_, options);
      if (!result_) listening.set_exception(std::make_exception_ptr(std::runtime_error(result_.error().message)));
    });
    if (port.wait_for(std::chrono::seconds(10)) != std::future_status::ready) throw std::runtime_error("no listener");
    port_ = port.get();
  }

  void stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    serving_.reset();
  }

  std::string url() const { return std::string(tls_ ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port_); }
  std::filesystem::path data() const { return dir_.path() / "hq"; }

  // A second HeadOffice on the same folder, as the admin CLI opens it while the server runs.
  std::unique_ptr<server::HeadOffice> admin() const {
    auto opened = server::HeadOffice::open(data(), std::nullopt);
    if (!opened) throw std::runtime_error(opened.error().message);
    return std::move(*opened);
  }

  std::string invite(const std::string& user, const std::string& branch, protocol::Role role) const {
    server::InviteRequest request;
    request.user = user;
    request.branch = branch;
    request.head_office = branch.empty();
    request.role = role;
    auto issued = admin()->invite(request);
    if (!issued) throw std::runtime_error(issued.error().message);
    return issued->code;
  }

  // Enrols a new client store for a new user and opens it.
  std::unique_ptr<client::Workspace> enrol(const std::filesystem::path& store, const std::string& user,
                                           const std::string& branch, protocol::Role role) const {
    client::EnrolOptions options{store, url(), invite(user, branch, role), std::nullopt, "test laptop"};
    auto enrolled = client::enrol(options);
    if (!enrolled) throw std::runtime_error("enrol: " + enrolled.error().message);
    auto workspace = client::Workspace::open(store, std::nullopt);
    if (!workspace) throw std::runtime_error(workspace.error().message);
    return std::move(*workspace);
  }

  std::uint16_t port() const { return port_; }

 private:
  std::optional<std::pair<std::filesystem::path, std::filesystem::path>> tls_;
  TempDir dir_;
  std::unique_ptr<server::HeadOffice> serving_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::uint16_t port_ = 0;
  Status result_;
};

// Head office answers every item it shares (yes, or "In place") and confirms every assertion resting on
// them, for the 2021-22 question set, as `acting` (a head office administrator).
inline void head_office_answers_everything_shared(server::HeadOffice& office, const std::string& acting) {
  auto user = office.acting_user(acting);
  ASSERT_TRUE(user) << user.error().message;
  auto catalogue = shipped_catalogue(AssessmentYear{2021});
  ASSERT_TRUE(catalogue);
  auto hq_view = office.effective_view("A1B2", AssessmentYear{2021});
  ASSERT_TRUE(hq_view);
  std::vector<Edit> shared;
  for (const auto& item : catalogue->items())
    if (hq_view->shared_items.count(item.id))
      shared.push_back({{"A1B2", "2021-22", TargetKind::item, item.id, Field::answer},
                        FieldValue{item.type == AnswerType::yes_no ? "yes" : "In place", ""}});
  for (const auto& assertion : hq_view->shared_assertions)
    shared.push_back({{"A1B2", "2021-22", TargetKind::assertion, assertion, Field::confirmed}, FieldValue{"yes", ""}});
  auto recorded = office.edit_as(*user, shared);
  ASSERT_TRUE(recorded) << recorded.error().message;
}

// A self-signed certificate and key for 127.0.0.1 made with the openssl command (a tool not ours),
// for tests of the server over TLS: {certificate, key} in `dir`.
inline std::pair<std::filesystem::path, std::filesystem::path> make_test_certificate(const TempDir& dir) {
  const auto cert = dir / "hq.pem";
  const auto key = dir / "hq.key";
  const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
                           "-addext subjectAltName=IP:127.0.0.1 -keyout " + key.string() + " -out " + cert.string() +
                           " >/dev/null 2>&1";
  if (std::system(make.c_str()) != 0) throw std::runtime_error("openssl could not make a test certificate");
  return {cert, key};
}

// Waits for a condition, polling, up to a deadline.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds within = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace dsptsync::testing
