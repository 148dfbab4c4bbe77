#include "simulation.h"

#include "simulation_network.h"
#include "sync_core.h"

#include "../common/test_support.h"

#include "dsptsync/assessment.h"
#include "dsptsync/client/sync.h"
#include "dsptsync/client/workspace.h"
#include "dsptsync/codec.h"
#include "dsptsync/crypto.h"
#include "dsptsync/protocol.h"
#include "dsptsync/server/head_office.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include <sodium.h>
#include <unistd.h>

namespace dsptsync::simulation {
namespace {

using namespace std::chrono_literals;
using client::Workspace;

constexpr TimestampMs kStartOfTime = 1650000000000;  // April 2022: inside the 2021-22 cycle's publishing window
constexpr std::string_view kUrl = "ws://head-office.simulated:7600";
// How long a client waits for each answer: simulated time, so a stalled connection costs no real time.
constexpr std::chrono::milliseconds kSyncTimeout = 10s;
// Clients syncing at once: each sync runs the world while it waits, so a second one starts inside it.
constexpr int kMaxConcurrentSyncs = 3;

std::string hex_id(int index) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%032x", index + 1);
  return buffer;
}

struct Client {
  std::string name;
  std::string scope;
  std::filesystem::path dir;
  std::string device_id;
  crypto::SigningKeyPair keys;
  std::unique_ptr<Workspace> workspace;
  bool syncing = false;  // its sync_once is running (lower on the stack)
  bool died = false;     // the process died during that sync: its store is reopened once the sync unwinds
};

class World {
 public:
  World(const Config& config, const std::filesystem::path& root)
      : config_(config),
        random_(config.seed),
        root_(root),
        network_(clock_, [this] { step(); }, [this](int n) { return pick(n); },
                 [this](const std::string& line) { trace(line); }) {
    crypto_generichash_init(&trace_, nullptr, 0, 32);
  }

  Report run() {
    report_.seed = config_.seed;
    setup();
    while (report_.operations < config_.operations) step();
    heal();
    check();
    std::array<std::uint8_t, 32> digest{};
    crypto_generichash_final(&trace_, digest.data(), digest.size());
    report_.trace_hash = crypto::to_hex(digest);
    return report_;
  }

 private:
  // ---- randomness and tracing ----
  int pick(int n) { return static_cast<int>(random_() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }
  void trace(const std::string& line) {
    crypto_generichash_update(&trace_, reinterpret_cast<const unsigned char*>(line.data()), line.size());
  }
  void fail(const std::string& what) { report_.failures.push_back(what); }

  // ---- set-up: an organisation with two branches, three laptops at Leeds, one at York, one at HQ ----
  // Devices are registered directly (enrolment makes random device ids, and the trace must not vary);
  // each store holds what enrolment would have kept, and fetches the question set in its first sync.
  void setup() {
    auto office = server::HeadOffice::create({root_ / "hq", "A1B2", "Acme Care Group", "2021-22", std::nullopt});
    if (!office) throw std::runtime_error(office.error().message);
    (void)(*office)->add_branch("VLAXL", "Leeds");
    (void)(*office)->add_branch("VM2B3", "York");
    const std::string identity = crypto::to_hex((*office)->identity().public_key);
    const std::vector<std::pair<std::string, std::string>> people = {
        {"Sam", "VLAXL"}, {"Ann", "VLAXL"}, {"Raj", "VLAXL"}, {"Priya", "VM2B3"}, {"Hannah", ""}};
    for (std::size_t i = 0; i < people.size(); ++i) {
      Client c;
      c.name = people[i].first;
      c.scope = people[i].second.empty() ? "A1B2" : people[i].second;
      c.dir = root_ / c.name;
      c.device_id = hex_id(static_cast<int>(i));
      c.keys = crypto::SigningKeyPair::generate();
      server::InviteRequest request{c.name, people[i].second, people[i].second.empty(), protocol::Role::admin};
      auto issued = (*office)->invite(request);
      if (!issued) throw std::runtime_error(issued.error().message);
      auto code = protocol::parse_enrolment_code(issued->code);
      Device device{c.device_id, "", {}, c.name + "'s laptop", kStartOfTime, std::nullopt};
      std::copy(c.keys.public_key.begin(), c.keys.public_key.end(), device.public_key.begin());
      auto redeemed = (*office)->directory().redeem_invite(code->invite_id, server::hash_enrolment_secret(code->secret),
                                                           device, kStartOfTime);
      if (!redeemed || !std::holds_alternative<User>(*redeemed)) throw std::runtime_error("could not register " + c.name);
      client::InitOptions init;
      init.dir = c.dir;
      init.ods = c.scope;
      init.name = "Acme Care Group";
      init.year = "2021-22";
      init.user = c.name;
      init.device_id = c.device_id;
      init.signing_key = c.keys;
      init.settings = {{"sync.url", std::string(kUrl)},       {"sync.server_identity", identity},
                       {"sync.role", "admin"},                {"sync.branch", people[i].second},
                       {"sync.hq_code", "A1B2"},              {"sync.cursor", "0"}};
      init.record_profile = false;
      auto made = Workspace::create(init);
      if (!made) throw std::runtime_error(made.error().message);
      clients_.push_back(std::move(c));
      clients_.back().workspace = std::move(*made);
      use_sim_clock(clients_.back());
    }
    office->reset();
    start_server();
  }

  void use_sim_clock(Client& c) {
    // Client clocks drift apart by up to a few seconds, as laptops' do.
    const TimestampMs skew = static_cast<TimestampMs>((c.device_id.back() - '0') * 700);
    c.workspace->ledger().set_clock([this, skew] { return clock_ + skew; });
  }

  void start_server() {
    auto office = server::HeadOffice::open(root_ / "hq", std::nullopt);
    if (!office) throw std::runtime_error(office.error().message);
    office_ = std::move(*office);
    core_ = std::make_unique<server::SyncCore>(*office_);
    network_.attach_server(core_.get());
  }

  int index_of(const Client& c) const { return static_cast<int>(&c - clients_.data()); }

  // ---- the scheduler: one step of the world ----
  // Steps run from the top (run) and from inside every client waiting for an answer, so a step may
  // start another client's sync within one already running. Once the operations are spent, steps
  // only move frames and let the server work, so the syncs still running finish without new faults.
  void step() {
    clock_ += 50 + pick(100);
    report_.operations++;
    if (winding_down()) {
      if (!network_.deliver_one()) server_work();
      return;
    }
    const int faults_left = config_.min_faults - report_.faults;
    const int steps_left = config_.operations - report_.operations;
    // Inject faults often enough to reach the minimum, and at random besides.
    if (faults_left >= steps_left || chance(5)) return inject_fault();
    const int roll = pick(100);
    if (roll < 45) {
      if (!network_.deliver_one()) server_work();
    } else if (roll < 60) {
      server_work();
    } else if (roll < 80) {
      edit();
    } else if (roll < 86) {
      sync_one();
    } else if (roll < 88) {
      resolve_one();
    }  // else time passes, nothing happens
  }

  bool winding_down() const { return healing_ || report_.operations >= config_.operations; }

  void server_work() {
    core_->run_pending();
    trace("server");
  }

  // ---- client actions ----
  Client& any_client() { return clients_[static_cast<std::size_t>(pick(static_cast<int>(clients_.size())))]; }

  // A client whose process is not busy syncing: its store may be edited (by another command of the
  // same laptop, as people do) or synced.
  Client* idle_client() {
    Client& c = any_client();
    return c.syncing ? nullptr : &c;
  }

  // The real client's sync (client::sync_once) over the simulated network.
  void sync_one() {
    if (syncs_running_ >= kMaxConcurrentSyncs) return;
    Client* idle = idle_client();
    if (!idle) return;
    (void)sync(*idle);
  }

  Result<client::SyncResult> sync(Client& c) {
    const int index = index_of(c);
    trace("sync " + c.name);
    c.syncing = true;
    ++syncs_running_;
    auto synced = client::sync_once(*c.workspace, {kSyncTimeout, &network_.transport(index)});
    --syncs_running_;
    c.syncing = false;
    if (c.died) {
      restart(c);
      return synced;
    }
    if (synced) {
      report_.syncs++;
      report_.acknowledged += static_cast<int>(synced->pushed);
      trace("synced " + c.name + " " + std::to_string(synced->pushed) + " " + std::to_string(synced->received));
      return synced;
    }
    report_.failed_syncs++;
    trace("sync failed " + c.name + " " + std::string(to_string(synced.error().kind)));
    // Faults break connections (network) or garble them (protocol); any other failure is a bug.
    if (synced.error().kind != ErrorKind::network && synced.error().kind != ErrorKind::protocol)
      fail(c.name + "'s sync failed: " + synced.error().message);
    return synced;
  }

  // The process dies: what its store committed stays, everything else is gone.
  void restart(Client& c) {
    c.workspace.reset();
    auto reopened = Workspace::open(c.dir, std::nullopt);
    if (!reopened) return fail("a client store did not reopen: " + reopened.error().message);
    c.workspace = std::move(*reopened);
    use_sim_clock(c);
    c.died = false;
    network_.client_restarted(index_of(c));
  }

  void record(Client& c, const FieldKey& key, std::optional<FieldValue> value) {
    auto recorded = c.workspace->ledger().record(Edit{key, std::move(value)});
    if (!recorded) return fail("recording an edit failed: " + recorded.error().message);
    recorded_.insert(recorded->id);
    report_.edits++;
    trace("edit " + recorded->id);
  }

  std::string current_text(Client& c, const FieldKey& key) {
    auto state = c.workspace->ledger().state(key.scope, key.year);
    if (!state) return {};
    auto found = state->find(key);
    if (found == state->end()) return {};
    if (auto merged = merged_value(key, found->second, &c.workspace->catalogue())) return merged->text;
    return found->second.winner() && found->second.winner()->value ? found->second.winner()->value->text : std::string();
  }

  void edit() {
    Client* idle = idle_client();
    if (!idle) return;
    Client& c = *idle;
    static const std::vector<std::string> kWords = {"weekly", "monthly", "nightly", "the manager", "the director",
                                                    "offsite", "encrypted", "tested", "logged", "reviewed"};
    const int kind = pick(6);
    FieldKey key{c.scope, "2021-22", TargetKind::item, "7.3.1", Field::answer};
    if (kind == 0) {  // a sentence-level edit of a text answer: concurrent ones often merge
      std::string text = current_text(c, key);
      if (text.empty()) text = "Backups run nightly. They are tested monthly. The manager checks them.";
      std::vector<std::string> sentences;
      std::stringstream split(text);
      for (std::string sentence; std::getline(split, sentence, '.');)
        if (!sentence.empty()) sentences.push_back(sentence);
      if (sentences.empty()) sentences.push_back("Backups run");
      auto& sentence = sentences[static_cast<std::size_t>(pick(static_cast<int>(sentences.size())))];
      sentence += " " + kWords[static_cast<std::size_t>(pick(static_cast<int>(kWords.size())))];
      std::string joined;
      for (const auto& s : sentences) joined += s + ".";
      record(c, key, FieldValue{joined, ""});
    } else if (kind == 1) {  // a whole new answer: concurrent ones conflict, unless people give the same one
      key.target = "1.1.5";
      record(c, key, FieldValue{chance(50) ? agreeable_answer() : c.name + " says " + kWords[static_cast<std::size_t>(pick(10))], ""});
    } else if (kind == 2) {
      key.target = "2.1.1";
      record(c, key, FieldValue{chance(70) ? "yes" : "no", ""});
    } else if (kind == 3) {
      key.target = "2.1.1";
      key.field = Field::comment;
      // Often the same comment, sometimes with a stray space (a comment is kept as typed): they agree.
      record(c, key, FieldValue{chance(50) ? std::string("Checked at induction") + (chance(30) ? " " : "")
                                           : "checked by " + c.name + " " + std::to_string(pick(100)),
                                ""});
    } else if (kind == 4) {
      key = {c.scope, "2021-22", TargetKind::assertion, "2.1", Field::confirmed};
      std::optional<FieldValue> value;
      if (chance(70)) value = FieldValue{"yes", ""};
      record(c, key, value);
    } else {
      key = {c.scope, "2021-22", TargetKind::plan, "8.3.5", Field::plan_action};
      record(c, key, FieldValue{"Turn on updates " + kWords[static_cast<std::size_t>(pick(10))], ""});
    }
  }

  // One of the two answers people commonly give to the same question: concurrent ones often agree.
  std::string agreeable_answer() { return chance(50) ? "The registered manager" : "The director"; }

  void resolve_one() {
    Client* idle = idle_client();
    if (!idle) return;
    Client& c = *idle;
    auto open = c.workspace->conflicts();
    if (!open || open->empty()) return;
    const auto& conflict = (*open)[static_cast<std::size_t>(pick(static_cast<int>(open->size())))];
    const bool keep_mine = chance(50);
    auto resolved = c.workspace->resolve(conflict.key.target, std::string(to_string(conflict.key.field)),
                                         keep_mine ? client::Keep::mine : client::Keep::theirs, std::nullopt);
    if (!resolved) return;  // e.g. none of the values is mine: a person would choose another way
    recorded_.insert(resolved->id);
    report_.resolutions++;
    trace("resolve " + resolved->id);
  }

  // ---- faults ----
  void inject_fault() {
    report_.faults++;
    // Connection faults need an open connection; the others can always happen. Choose among those
    // that can, so every kind keeps turning up.
    const int roll = network_.open_connections() == 0 ? 60 + pick(40) : pick(100);
    if (roll < 25 && network_.cut()) {
      report_.cuts++;
    } else if (roll < 35 && network_.stall()) {
      report_.stalls++;
    } else if (roll < 45 && network_.replay()) {
      report_.replays++;
    } else if (roll < 50 && network_.swap()) {
      report_.swaps++;
    } else if (roll < 65) {
      Client& c = any_client();
      network_.toggle_partition(index_of(c));
      report_.partitions++;
      trace("fault partition " + c.name);
    } else if (roll < 85) {
      crash_client(any_client());
    } else {
      crash_server();
    }
  }

  void crash_client(Client& c) {
    report_.client_crashes++;
    trace("fault crash " + c.name);
    network_.client_died(index_of(c));
    // In the middle of a sync the process dies where it waits: the sync fails on, its open
    // transaction rolls back as it unwinds, and the store is reopened from disk after.
    if (c.syncing) c.died = true;
    else restart(c);
  }

  void crash_server() {
    report_.server_crashes++;
    trace("fault crash server");
    network_.server_crashed();
    core_.reset();  // queued, uncommitted work is lost with the process
    office_.reset();
    start_server();
    check_acknowledged_kept();
  }

  // An acknowledgement is a promise: every change a client holds as acknowledged is in the server's
  // log after the server restarts. (Clients in the middle of a sync are read after it.)
  void check_acknowledged_kept() {
    std::vector<std::string> acknowledged;
    for (auto& c : clients_) {
      if (c.syncing) continue;
      for (std::int64_t after = 0;;) {
        auto page = c.workspace->store().changes_after(after, 500);
        if (!page) return fail(page.error().message);
        if (page->empty()) break;
        after = page->back().seq;
        for (const auto& change : *page)
          if (change.device == c.device_id && change.server_seq) acknowledged.push_back(change.id);
      }
    }
    auto kept = office_->store().changes_by_id(acknowledged);
    if (!kept) return fail(kept.error().message);
    if (kept->size() != acknowledged.size())
      fail("after a server crash, " + std::to_string(acknowledged.size() - kept->size()) + " of " +
           std::to_string(acknowledged.size()) + " acknowledged changes are missing at the server");
  }

  // ---- healing: no more faults; every client syncs, and must succeed, until nothing moves ----
  void heal() {
    healing_ = true;
    network_.heal();
    for (int round = 0; round < 3; ++round)
      for (auto& c : clients_) {
        clock_ += 1000;
        auto synced = sync(c);
        if (!synced) fail("with the network healed, " + c.name + "'s sync failed: " + synced.error().message);
      }
  }

  // ---- invariants ----
  static std::string hash_state(const AssessmentState& state) {
    std::string text;
    for (const auto& [key, field] : state) {
      text += key.scope + "|" + key.target + "|" + std::string(to_string(key.field)) + ":";
      for (const auto& head : field.heads) text += head.change_id + "=" + (head.value ? head.value->text : "~") + ";";
      text += "\n";
    }
    return crypto::hash_hex(as_bytes(text));
  }

  void check() {
    Store& server_store = office_->store();
    const std::vector<std::string> scopes = {"VLAXL", "VM2B3", "A1B2"};
    // 1. Nothing made anywhere is missing at the server, and nothing is there twice.
    std::vector<std::string> recorded(recorded_.begin(), recorded_.end());
    auto present = server_store.changes_by_id(recorded);
    if (!present) return fail(present.error().message);
    if (present->size() != recorded.size())
      fail("the server has " + std::to_string(present->size()) + " of the " + std::to_string(recorded.size()) +
           " changes made");
    auto count = server_store.change_count();
    report_.server_changes = count ? static_cast<int>(*count) : -1;
    if (!count || *count != static_cast<std::int64_t>(recorded.size()))
      fail("the server's log holds " + std::to_string(count ? *count : -1) + " changes for " +
           std::to_string(recorded.size()) + " made: one was applied twice or invented");

    // 2. Every replica that reads a scope has the same state as the server, and every state is
    //    exactly the frontier of its changes: no replaced value came back, no concurrent one is missing.
    for (const auto& scope : scopes) {
      auto server_state = office_->ledger().state(scope, "2021-22");
      if (!server_state) return fail(server_state.error().message);
      check_frontier(scope, *server_state);
      const std::string expected = hash_state(*server_state);
      if (scope == "VLAXL") report_.state_hash = expected;
      for (auto& c : clients_) {
        const bool reads = c.scope == "A1B2" || c.scope == scope || scope == "A1B2";
        auto state = c.workspace->ledger().state(scope, "2021-22");
        if (!state) return fail(state.error().message);
        if (!reads) {
          if (!state->empty()) fail(c.name + " holds " + scope + "'s answers, which it may not read");
          continue;
        }
        if (hash_state(*state) != expected) fail(c.name + "'s copy of " + scope + " differs from the server's");
        auto pending = c.workspace->store().pending_count(c.device_id);
        if (!pending || *pending != 0) fail(c.name + " still has changes waiting to go up");
      }
      check_agreement(scope, *server_state);
    }
    count_concurrent_edits(scopes);
  }

  // Whether heads hold one value, decided here on its own terms: their texts and locations equal
  // once stripped of the spaces the simulation adds (every other value it writes is canonical).
  static std::string plain(const std::optional<FieldValue>& value) {
    if (!value) return "\x01cleared";
    std::string text = value->text;
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text + '\x1f' + value->location;
  }
  static bool heads_agree(const FieldState& field) {
    for (const auto& head : field.heads)
      if (plain(head.value) != plain(field.heads.front().value)) return false;
    return true;
  }

  // 5. Concurrent edits that agree are settled, and every field whose values differ (and do not
  //    merge) is a conflict, on the server and on every replica that reads the scope alike.
  void check_agreement(const std::string& scope, const AssessmentState& server_state) {
    std::set<FieldKey> expected;
    for (const auto& [key, field] : server_state) {
      if (!field.concurrent()) continue;
      if (heads_agree(field)) report_.agreeing_fields++;
      else if (merged_value(key, field, &office_->catalogue())) report_.merged_fields++;
      else expected.insert(key);
    }
    report_.open_conflicts += static_cast<int>(expected.size());
    auto conflicts_in = [&](const AssessmentState& state, const Catalogue& catalogue) {
      std::set<FieldKey> keys;
      for (const auto& [key, values] : view_of(state, &catalogue).conflicts) keys.insert(key);
      return keys;
    };
    if (conflicts_in(server_state, office_->catalogue()) != expected)
      fail("the server counts " + scope + "'s conflicts differently from the fields whose values differ");
    for (auto& c : clients_) {
      if (!(c.scope == "A1B2" || c.scope == scope || scope == "A1B2")) continue;
      auto state = c.workspace->ledger().state(scope, "2021-22");
      if (!state) return fail(state.error().message);
      if (conflicts_in(*state, c.workspace->catalogue()) != expected)
        fail(c.name + " counts " + scope + "'s conflicts differently from the fields whose values differ");
    }
  }

  // How many edits were concurrent with another edit of their field, and how many of those gave the
  // same value as one concurrent with them (the share of agreeing edits the run exercised).
  void count_concurrent_edits(const std::vector<std::string>& scopes) {
    std::map<FieldKey, std::vector<Change>> by_field;
    for (const auto& scope : scopes)
      for (const auto& target : {"7.3.1", "1.1.5", "2.1.1", "2.1", "8.3.5"})
        for (auto kind : {TargetKind::item, TargetKind::assertion, TargetKind::plan}) {
          auto logged = office_->ledger().history(scope, "2021-22", kind, target);
          if (!logged) return fail(logged.error().message);
          for (const auto& entry : *logged) by_field[entry.change.key].push_back(entry.change);
        }
    for (const auto& [key, changes] : by_field) {
      std::map<std::string, std::set<std::string>> ancestors;  // log order is causal order
      for (const auto& change : changes) {
        auto& mine = ancestors[change.id];
        for (const auto& parent : change.parents) {
          mine.insert(parent);
          mine.insert(ancestors[parent].begin(), ancestors[parent].end());
        }
      }
      for (const auto& a : changes) {
        bool concurrent = false, equal = false;
        for (const auto& b : changes) {
          if (a.id == b.id || ancestors[a.id].count(b.id) || ancestors[b.id].count(a.id)) continue;
          concurrent = true;
          equal |= plain(a.value) == plain(b.value);
        }
        report_.concurrent_edits += concurrent;
        report_.equal_concurrent_edits += equal;
      }
    }
  }

  void check_frontier(const std::string& scope, const AssessmentState& state) {
    for (const auto& [key, field] : state) {
      auto stored = office_->ledger().history(scope, key.year, key.kind, key.target);
      if (!stored) return fail(stored.error().message);
      std::set<std::string> ids, parents;
      for (const auto& logged : *stored) {
        if (logged.change.key.field != key.field) continue;
        ids.insert(logged.change.id);
        parents.insert(logged.change.parents.begin(), logged.change.parents.end());
      }
      std::set<std::string> frontier;
      for (const auto& id : ids)
        if (!parents.count(id)) frontier.insert(id);
      std::set<std::string> heads;
      for (const auto& head : field.heads) heads.insert(head.change_id);
      if (heads != frontier)
        fail(scope + " " + key.target + " " + std::string(to_string(key.field)) + ": heads are not the frontier of its " +
             std::to_string(ids.size()) + " changes (a value came back or one is missing)");
      for (std::size_t i = 1; i < field.heads.size(); ++i)
        if (!wins_over(field.heads[i - 1], field.heads[i])) fail(key.target + ": heads are not in winner order");
    }
  }

  Config config_;
  std::mt19937_64 random_;
  std::filesystem::path root_;
  crypto_generichash_state trace_{};
  Report report_;
  TimestampMs clock_ = kStartOfTime;
  Network network_;
  std::unique_ptr<server::HeadOffice> office_;
  std::unique_ptr<server::SyncCore> core_;
  std::vector<Client> clients_;
  int syncs_running_ = 0;
  bool healing_ = false;
  std::set<std::string> recorded_;
};

}  // namespace

std::string Report::summary() const {
  std::ostringstream out;
  out << "seed " << seed << ": " << operations << " operations, " << edits << " edits, " << resolutions
      << " resolutions, " << syncs << " syncs (" << failed_syncs << " failed), " << faults << " faults (" << cuts
      << " cuts, " << stalls << " stalls, " << replays << " replays, " << swaps << " swaps, " << partitions
      << " partitions, " << client_crashes << " client crashes, " << server_crashes << " server crashes), "
      << acknowledged << " acknowledged, " << server_changes << " changes at the server, " << concurrent_edits
      << " concurrent edits (" << equal_concurrent_edits << " agreeing with one), " << agreeing_fields
      << " agreeing fields, " << merged_fields << " merged fields, " << open_conflicts << " open conflicts; "
      << (failures.empty() ? "all invariants hold" : std::to_string(failures.size()) + " FAILURES");
  return out.str();
}

Report run(const Config& config) {
  // tmpfs when there is one: the simulation is about logic, and fsync on a shared disk is slow.
  std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  const auto root = base / ("dsptsync-sim-" + std::to_string(config.seed) + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  Report report;
  try {
    World world(config, root);
    report = world.run();
  } catch (const std::exception& e) {
    report.seed = config.seed;
    report.failures.push_back(std::string("the run stopped: ") + e.what());
  }
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
  return report;
}

}  // namespace dsptsync::simulation
