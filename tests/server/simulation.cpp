#include "simulation.h"

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
#include <deque>
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

using client::Workspace;
using protocol::Message;
using server::Principal;

constexpr TimestampMs kStartOfTime = 1650000000000;  // April 2022: inside the 2021-22 cycle's publishing window

std::string hex_id(int index) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%032x", index + 1);
  return buffer;
}

struct Packet {
  int client = 0;
  bool to_server = false;
  std::uint64_t connection = 0;  // messages of a closed connection are never delivered
  Bytes message;                 // encoded with the real protocol encoding
};

struct Client {
  std::string name;
  std::string scope;
  std::filesystem::path dir;
  std::string device_id;
  crypto::SigningKeyPair keys;
  std::unique_ptr<Workspace> workspace;
  // Connection state: in memory only, lost by a crash or a disconnect.
  std::uint64_t connection = 0;  // 0: not connected
  std::optional<Principal> principal;
  std::optional<protocol::Push> in_flight;
  std::uint64_t batch = 0;
  bool partitioned = false;
};

class World {
 public:
  World(const Config& config, const std::filesystem::path& root) : config_(config), random_(config.seed), root_(root) {
    crypto_generichash_init(&trace_, nullptr, 0, 32);
  }

  Report run() {
    report_.seed = config_.seed;
    setup();
    for (int step = 0; step < config_.operations; ++step) {
      clock_ += 1000;
      report_.operations++;
      const int faults_left = config_.min_faults - report_.faults;
      const int steps_left = config_.operations - step;
      // Inject faults often enough to reach the minimum, and at random besides.
      if (faults_left >= steps_left || chance(8)) {
        inject_fault();
        continue;
      }
      const int roll = pick(100);
      if (roll < 28) edit();
      else if (roll < 34) connect();
      else if (roll < 46) push();
      else if (roll < 56) pull();
      else if (roll < 86) deliver(/*fault=*/false);
      else if (roll < 94) server_work();
      else if (roll < 97) time_out();
      else resolve_one();
    }
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
  void setup() {
    auto office = server::HeadOffice::create({root_ / "hq", "A1B2", "Acme Care Group", "2021-22", std::nullopt});
    if (!office) throw std::runtime_error(office.error().message);
    (void)(*office)->add_branch("VLAXL", "Leeds");
    (void)(*office)->add_branch("VM2B3", "York");
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
      init.settings = {{"sync.cursor", "0"}};
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
  }

  // ---- client actions ----
  Client& any_client() { return clients_[static_cast<std::size_t>(pick(static_cast<int>(clients_.size())))]; }

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
    Client& c = any_client();
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
    Client& c = any_client();
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

  void connect() {
    Client& c = any_client();
    if (c.connection || c.partitioned) return;
    c.connection = ++connections_;
    // The handshake itself is covered by the loopback tests; here the device proves itself to the
    // real authentication check over a transcript of this simulated connection.
    std::array<std::uint8_t, 32> transcript{};
    for (int i = 0; i < 8; ++i) transcript[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(c.connection >> (8 * i));
    protocol::Authenticate authenticate{c.device_id, client::steps::sign_authentication(c.keys, transcript)};
    std::optional<Principal> who;
    core_->authenticate(authenticate, transcript, [&](std::variant<Principal, protocol::ErrorMessage> result, protocol::Ready) {
      if (auto* principal = std::get_if<Principal>(&result)) who = *principal;
      else fail("authentication refused: " + std::get<protocol::ErrorMessage>(result).message);
    });
    core_->run_pending();
    c.principal = who;
    if (!who) c.connection = 0;
    trace("connect " + c.name);
  }

  void disconnect(Client& c) {
    c.connection = 0;
    c.principal.reset();
    c.in_flight.reset();
  }

  // A client that has waited too long for an answer gives up on the connection and will reconnect
  // and resend, as the real one does when its timeout passes.
  void time_out() {
    Client& c = any_client();
    if (!c.connection || !c.in_flight) return;
    disconnect(c);
    trace("timeout " + c.name);
  }

  void send(Client& c, bool to_server, const Message& message) {
    network_.push_back(Packet{static_cast<int>(&c - clients_.data()), to_server, c.connection, protocol::encode_message(message)});
  }

  void push() {
    Client& c = any_client();
    if (!c.connection || c.in_flight) return;
    auto next = client::steps::next_push(*c.workspace, c.keys, ++c.batch);
    if (!next) return fail("next_push failed: " + next.error().message);
    if (next->changes.empty()) return;
    c.in_flight = *next;
    send(c, true, *next);
    trace("push " + c.name + " " + std::to_string(next->changes.size()));
  }

  void pull() {
    Client& c = any_client();
    if (!c.connection) return;
    auto cursor = client::steps::cursor(*c.workspace);
    if (!cursor) return fail(cursor.error().message);
    send(c, true, protocol::Pull{*cursor, static_cast<std::uint32_t>(1 + pick(40))});  // small pages: more paging
    trace("pull " + c.name);
  }

  void server_work() {
    core_->run_pending();
    trace("server");
  }

  // ---- the network ----
  void deliver(bool reorder) {
    if (network_.empty()) return;
    std::size_t index = 0;
    if (reorder) index = static_cast<std::size_t>(pick(static_cast<int>(network_.size())));
    Packet packet = network_[index];
    network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(index));
    trace("deliver " + std::to_string(packet.client) + (packet.to_server ? ">" : "<"));
    Client& c = clients_[static_cast<std::size_t>(packet.client)];
    if (packet.connection != c.connection || !c.connection) return;  // that connection is gone
    auto message = protocol::decode_message(packet.message);
    if (!message) return fail("a message did not decode: " + message.error().message);
    if (packet.to_server) return deliver_to_server(c, std::move(*message));
    deliver_to_client(c, std::move(*message));
  }

  void deliver_to_server(Client& c, Message message) {
    const int index = static_cast<int>(&c - clients_.data());
    const std::uint64_t connection = c.connection;
    auto reply = [this, index, connection](Message answer) {
      network_.push_back(Packet{index, false, connection, protocol::encode_message(answer)});
    };
    if (auto* push = std::get_if<protocol::Push>(&message)) core_->push(*c.principal, std::move(*push), reply);
    else if (auto* pull = std::get_if<protocol::Pull>(&message)) core_->pull(*c.principal, *pull, reply);
  }

  void deliver_to_client(Client& c, Message message) {
    if (auto* ack = std::get_if<protocol::Ack>(&message)) {
      if (!c.in_flight || ack->batch != c.in_flight->batch) return;  // a duplicate or a stale ack
      if (auto s = client::steps::record_ack(*c.workspace, *c.in_flight, *ack); !s) return fail(s.error().message);
      report_.acknowledged += static_cast<int>(c.in_flight->changes.size());
      for (const auto& change : c.in_flight->changes) acknowledged_.insert(change.id);
      c.in_flight.reset();
    } else if (auto* page = std::get_if<protocol::Changes>(&message)) {
      auto applied = client::steps::apply_page(*c.workspace, *page);
      // A page overtaken by a later one can name parents not yet here: the real client treats it
      // as a broken connection and pulls again from its cursor.
      if (!applied) {
        if (applied.error().kind != ErrorKind::protocol) fail("applying a page failed: " + applied.error().message);
        disconnect(c);
      }
    } else if (auto* error = std::get_if<protocol::ErrorMessage>(&message)) {
      // Out-of-order pushes (a retransmission overtaking) are refused and resent; anything else is a bug here.
      if (error->code != protocol::ErrorCode::out_of_order) fail("server refused: " + error->message);
      disconnect(c);
    }
  }

  // ---- faults ----
  void inject_fault() {
    report_.faults++;
    // Network faults need something in flight; the others can always happen. Choose among those
    // that can, so every kind keeps turning up.
    const int roll = network_.empty() ? 70 + pick(30) : pick(100);
    if (roll < 25) {
      network_.erase(network_.begin() + pick(static_cast<int>(network_.size())));
      report_.drops++;
      // A lost frame breaks the connection it was on, as it would over TCP.
      trace("fault drop");
    } else if (roll < 45) {
      network_.push_back(network_[static_cast<std::size_t>(pick(static_cast<int>(network_.size())))]);
      report_.duplicates++;
      trace("fault duplicate");
    } else if (roll < 60) {
      deliver(/*reorder=*/true);
      report_.reorders++;
      trace("fault reorder");
    } else if (roll < 70) {
      std::rotate(network_.begin(), network_.begin() + 1, network_.end());  // the oldest is delayed behind the rest
      report_.delays++;
      trace("fault delay");
    } else if (roll < 82) {
      Client& c = any_client();
      c.partitioned = !c.partitioned;
      if (c.partitioned) disconnect(c);
      report_.partitions++;
      trace("fault partition " + c.name);
    } else if (roll < 94) {
      Client& c = any_client();
      disconnect(c);
      c.workspace.reset();  // the process dies; its store is reopened from disk
      auto reopened = Workspace::open(c.dir, std::nullopt);
      if (!reopened) return fail("a client store did not reopen: " + reopened.error().message);
      c.workspace = std::move(*reopened);
      use_sim_clock(c);
      report_.client_crashes++;
      trace("fault crash " + c.name);
    } else {
      core_.reset();  // queued, uncommitted work is lost with the process
      office_.reset();
      for (auto& c : clients_) disconnect(c);
      network_.clear();
      start_server();
      report_.server_crashes++;
      trace("fault crash server");
    }
  }

  // ---- healing: no more faults; everyone syncs until nothing moves ----
  void heal() {
    for (auto& c : clients_) c.partitioned = false;
    network_.clear();
    for (auto& c : clients_) disconnect(c);
    for (int round = 0; round < 6; ++round) {
      for (auto& c : clients_) {
        clock_ += 1000;
        if (!c.connection) {
          connect_client(c);
          if (!c.connection) continue;
        }
        // Push everything, then pull everything, one exchange at a time.
        for (int guard = 0; guard < 1000; ++guard) {
          auto next = client::steps::next_push(*c.workspace, c.keys, ++c.batch);
          if (!next || next->changes.empty()) break;
          c.in_flight = *next;
          send(c, true, *next);
          drain();
        }
        for (int guard = 0; guard < 1000; ++guard) {
          auto before = client::steps::cursor(*c.workspace);
          send(c, true, protocol::Pull{*before, 0});
          drain();
          auto after = client::steps::cursor(*c.workspace);
          if (!after || *after == *before) break;
        }
      }
    }
  }

  // connect() picks a random client; healing connects each one in turn.
  void connect_client(Client& c) {
    for (int tries = 0; tries < 3 && !c.connection; ++tries) {
      c.connection = ++connections_;
      std::array<std::uint8_t, 32> transcript{};
      transcript[0] = static_cast<std::uint8_t>(c.connection);
      protocol::Authenticate authenticate{c.device_id, client::steps::sign_authentication(c.keys, transcript)};
      std::optional<Principal> who;
      core_->authenticate(authenticate, transcript, [&](std::variant<Principal, protocol::ErrorMessage> result, protocol::Ready) {
        if (auto* principal = std::get_if<Principal>(&result)) who = *principal;
      });
      core_->run_pending();
      c.principal = who;
      if (!who) c.connection = 0;
    }
  }

  void drain() {
    for (int guard = 0; guard < 10000; ++guard) {
      core_->run_pending();
      if (network_.empty()) return;
      deliver(false);
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
    for (const auto& id : acknowledged_)
      if (!recorded_.count(id)) fail("acknowledged change " + id + " was never made");

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
  std::unique_ptr<server::HeadOffice> office_;
  std::unique_ptr<server::SyncCore> core_;
  std::vector<Client> clients_;
  std::deque<Packet> network_;
  std::uint64_t connections_ = 0;
  std::set<std::string> recorded_;
  std::set<std::string> acknowledged_;
};

}  // namespace

std::string Report::summary() const {
  std::ostringstream out;
  out << "seed " << seed << ": " << operations << " operations, " << edits << " edits, " << resolutions
      << " resolutions, " << faults << " faults (" << drops << " drops, " << duplicates << " duplicates, " << reorders
      << " reorders, " << delays << " delays, " << partitions << " partitions, " << client_crashes
      << " client crashes, " << server_crashes << " server crashes), " << acknowledged << " acknowledged, "
      << server_changes << " changes at the server, " << concurrent_edits << " concurrent edits (" << equal_concurrent_edits
      << " agreeing with one), " << agreeing_fields << " agreeing fields, " << merged_fields << " merged fields, "
      << open_conflicts << " open conflicts; " << (failures.empty() ? "all invariants hold" : std::to_string(failures.size()) + " FAILURES");
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
