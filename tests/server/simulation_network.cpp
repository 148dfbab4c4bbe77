#include "simulation_network.h"

#include "server_session.h"

#include <algorithm>

namespace dsptsync::simulation {

// The server's end of one connection: the real protocol state machine, its frames put on the wire.
// Work the core hands back runs at once: the simulation has one thread, and the session's own
// executor would only run it later in the same order.
class SimSession final : public server::ServerSession {
 public:
  SimSession(server::SyncCore& core, Network& network, std::uint64_t id)
      : ServerSession(core, "simulated connection " + std::to_string(id)), network_(network), id_(id) {}

 protected:
  Backlog backlog() const override {
    auto [frames, bytes] = network_.backlog(id_);
    return Backlog{frames, bytes};
  }
  void send_frame(Bytes frame) override { network_.server_send(id_, std::move(frame)); }
  void close_after_send(std::string) override { network_.server_close(id_); }
  void post(std::function<void()> work) override { work(); }

 private:
  Network& network_;
  std::uint64_t id_;
};

// The client's end: what the real handshake and session cipher (client::open_sealed) run over.
class SimLink final : public client::FrameLink {
 public:
  SimLink(Network& network, std::uint64_t id) : network_(network), id_(id) {}
  ~SimLink() override { network_.client_close(id_); }
  Status send(ByteView frame, std::chrono::milliseconds) override { return network_.client_send(id_, frame); }
  Result<std::optional<Bytes>> receive(std::chrono::milliseconds wait) override {
    return network_.client_receive(id_, wait);
  }

 private:
  Network& network_;
  std::uint64_t id_;
};

class Network::ClientTransport final : public client::Transport {
 public:
  ClientTransport(Network& network, int index) : network_(network), index_(index) {}
  Result<std::unique_ptr<client::Connection>> open(const std::string& url, const client::ServerCheck& check,
                                                   std::chrono::milliseconds timeout) override {
    return network_.open(index_, url, check, timeout);
  }

 private:
  Network& network_;
  int index_;
};

namespace {
Error broken(const std::string& why) { return make_error(ErrorKind::network, why); }
}  // namespace

Network::Network(TimestampMs& clock, std::function<void()> step, std::function<int(int)> pick,
                 std::function<void(const std::string&)> trace)
    : clock_(clock), step_(std::move(step)), pick_(std::move(pick)), trace_(std::move(trace)) {}

Network::~Network() = default;

void Network::attach_server(server::SyncCore* core) { core_ = core; }

void Network::server_crashed() {
  for (auto& [id, wire] : wires_) break_wire(wire);
  core_ = nullptr;
}

client::Transport& Network::transport(int index) {
  auto& transport = transports_[index];
  if (!transport) transport = std::make_unique<ClientTransport>(*this, index);
  return *transport;
}

void Network::client_died(int index) {
  dead_.insert(index);
  for (auto& [id, wire] : wires_)
    if (wire.client == index) break_wire(wire);
}

void Network::client_restarted(int index) { dead_.erase(index); }

Result<std::unique_ptr<client::Connection>> Network::open(int index, const std::string& url,
                                                          const client::ServerCheck& check,
                                                          std::chrono::milliseconds timeout) {
  if (!core_ || dead_.count(index) || partitioned_.count(index))
    return broken("could not connect to " + url + ": the network does not reach it");
  const std::uint64_t id = ++next_id_;
  Wire& wire = wires_[id];
  wire.client = index;
  wire.session = std::make_shared<SimSession>(*core_, *this, id);
  trace_("open " + std::to_string(index) + " " + std::to_string(id));
  return client::open_sealed(std::make_unique<SimLink>(*this, id), url, check, timeout);
}

Status Network::client_send(std::uint64_t id, ByteView frame) {
  auto found = wires_.find(id);
  if (found == wires_.end()) return broken("the connection is closed");
  Wire& wire = found->second;
  if (dead_.count(wire.client)) return broken("the process is gone");
  if (wire.cut) return broken("the connection was cut");
  if (wire.server_closed) return broken("the server closed the connection");
  wire.to_server.emplace_back(frame.begin(), frame.end());
  return {};
}

Result<std::optional<Bytes>> Network::client_receive(std::uint64_t id, std::chrono::milliseconds wait) {
  const TimestampMs deadline = clock_ + wait.count();
  for (;;) {
    // Looked up again after every step: the world may open and close other connections meanwhile.
    auto found = wires_.find(id);
    if (found == wires_.end()) return broken("the connection is closed");
    Wire& wire = found->second;
    if (dead_.count(wire.client)) return broken("the process is gone");
    if (!wire.arrived.empty()) {
      Bytes frame = std::move(wire.arrived.front());
      wire.arrived.pop_front();
      return std::optional<Bytes>(std::move(frame));
    }
    if (wire.cut) return broken("the connection was cut");
    if (wire.server_closed) return broken("the server closed the connection");
    // A stalled connection brings nothing more: the client waits out its time at once.
    if (wire.stalled || clock_ >= deadline) {
      clock_ = std::max(clock_, deadline);
      return std::optional<Bytes>();
    }
    step_();
  }
}

void Network::client_close(std::uint64_t id) {
  auto found = wires_.find(id);
  if (found == wires_.end()) return;
  Wire& wire = found->second;
  wire.client_closed = true;
  // What the client sent before closing still reaches the server, unless the connection is broken.
  if (wire.cut || wire.stalled || wire.server_closed || wire.to_server.empty()) {
    end_session(wire);
    wires_.erase(found);
  }
}

void Network::server_send(std::uint64_t id, Bytes frame) {
  auto found = wires_.find(id);
  if (found == wires_.end() || found->second.cut || found->second.client_closed) return;
  found->second.to_client.push_back(std::move(frame));
}

void Network::server_close(std::uint64_t id) {
  // Called from within the session: it is ended later, when the close is delivered.
  if (auto found = wires_.find(id); found != wires_.end()) found->second.server_closing = true;
}

std::pair<std::size_t, std::size_t> Network::backlog(std::uint64_t id) const {
  auto found = wires_.find(id);
  if (found == wires_.end()) return {0, 0};
  std::size_t bytes = 0;
  for (const auto& frame : found->second.to_client) bytes += frame.size();
  return {found->second.to_client.size(), bytes};
}

void Network::break_wire(Wire& wire) {
  wire.cut = true;
  wire.to_server.clear();
  wire.to_client.clear();
  wire.arrived.clear();
  end_session(wire);
}

void Network::end_session(Wire& wire) {
  if (!wire.session) return;
  auto session = std::move(wire.session);
  if (core_) session->on_closed();
}

bool Network::deliver_one() {
  enum Kind { to_server, to_client, client_close_reaches_server, server_close_reaches_client };
  std::vector<std::pair<std::uint64_t, Kind>> options;
  for (const auto& [id, wire] : wires_) {
    if (wire.cut || wire.stalled) continue;
    if (!wire.to_server.empty() && wire.session) options.emplace_back(id, to_server);
    if (!wire.to_client.empty()) options.emplace_back(id, to_client);
    if (wire.client_closed && wire.to_server.empty()) options.emplace_back(id, client_close_reaches_server);
    if (wire.server_closing && !wire.server_closed && wire.to_client.empty())
      options.emplace_back(id, server_close_reaches_client);
  }
  if (options.empty()) return false;
  const auto [id, kind] = options[static_cast<std::size_t>(pick_(static_cast<int>(options.size())))];
  Wire& wire = wires_.at(id);
  const std::string name = std::to_string(id);
  switch (kind) {
    case to_server: {
      trace_("deliver " + name + " >");
      const Bytes frame = std::move(wire.to_server.front());
      wire.to_server.pop_front();
      auto session = wire.session;  // alive through the call, whatever the call does to the wire
      session->on_frame(frame);
      break;
    }
    case to_client:
      trace_("deliver " + name + " <");
      wire.arrived.push_back(std::move(wire.to_client.front()));
      wire.to_client.pop_front();
      break;
    case client_close_reaches_server:
      trace_("closed " + name + " >");
      end_session(wire);
      wires_.erase(id);
      break;
    case server_close_reaches_client:
      trace_("closed " + name + " <");
      wire.server_closed = true;
      end_session(wire);
      break;
  }
  return true;
}

std::vector<std::uint64_t> Network::candidates(bool with_frames) const {
  std::vector<std::uint64_t> out;
  for (const auto& [id, wire] : wires_) {
    if (wire.cut || wire.client_closed || wire.server_closed) continue;
    if (with_frames && wire.to_server.empty() && wire.to_client.empty()) continue;
    out.push_back(id);
  }
  return out;
}

bool Network::cut() {
  const auto open = candidates(false);
  if (open.empty()) return false;
  const std::uint64_t id = open[static_cast<std::size_t>(pick_(static_cast<int>(open.size())))];
  trace_("fault cut " + std::to_string(id));
  break_wire(wires_.at(id));
  return true;
}

bool Network::stall() {
  auto open = candidates(false);
  std::erase_if(open, [&](std::uint64_t id) { return wires_.at(id).stalled; });
  if (open.empty()) return false;
  const std::uint64_t id = open[static_cast<std::size_t>(pick_(static_cast<int>(open.size())))];
  trace_("fault stall " + std::to_string(id));
  wires_.at(id).stalled = true;
  return true;
}

bool Network::replay() {
  const auto busy = candidates(true);
  if (busy.empty()) return false;
  Wire& wire = wires_.at(busy[static_cast<std::size_t>(pick_(static_cast<int>(busy.size())))]);
  auto& stream = wire.to_server.empty() || (!wire.to_client.empty() && pick_(2)) ? wire.to_client : wire.to_server;
  stream.push_front(stream.front());
  trace_("fault replay");
  return true;
}

bool Network::swap() {
  std::vector<std::deque<Bytes>*> streams;
  for (auto& [id, wire] : wires_) {
    if (wire.cut || wire.client_closed || wire.server_closed) continue;
    for (auto* stream : {&wire.to_server, &wire.to_client})
      if (stream->size() >= 2) streams.push_back(stream);
  }
  if (streams.empty()) return false;
  auto& stream = *streams[static_cast<std::size_t>(pick_(static_cast<int>(streams.size())))];
  std::swap(stream[0], stream[1]);
  trace_("fault swap");
  return true;
}

bool Network::toggle_partition(int index) {
  if (partitioned_.erase(index)) return false;
  partitioned_.insert(index);
  for (auto& [id, wire] : wires_)
    if (wire.client == index) wire.stalled = true;
  return true;
}

void Network::heal() { partitioned_.clear(); }

std::size_t Network::open_connections() const { return candidates(false).size(); }

}  // namespace dsptsync::simulation
