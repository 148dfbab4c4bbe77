// The simulated network of the deterministic simulation (simulation.h). Each connection joins the
// real client (client::sync_once, its handshake and session cipher: client::open_sealed) to the real
// server side (a ServerSession over the SyncCore) by two in-order streams of frames, as TCP does.
// Nothing moves by itself: the scheduler delivers one frame at a time, choosing among connections,
// and while the client waits for an answer (FrameLink::receive) the scheduler runs the rest of the
// world, one step at a time, until the answer is there, the connection breaks or the client's
// timeout passes in simulated time.
//
// Faults are what can really happen to a connection: it is cut (both ends see it break, whatever
// was in flight is lost), it stalls (half-open: nothing more gets through, and the client waits out
// its timeout), or a client is partitioned (its connections stall and new ones fail). Beside those,
// what someone on the path could do to plain ws://: replay a frame, or swap two frames of one
// stream; the session cipher must refuse them and end the connection. Frames of one stream are never
// lost, duplicated or reordered otherwise: TCP does not do that.
#pragma once

#include "sync_core.h"

#include "dsptsync/client/connection.h"
#include "dsptsync/time.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace dsptsync::simulation {

class SimSession;

class Network {
 public:
  // `step` runs one step of the world (it must move the clock on); `pick(n)` is the seeded choice in [0, n).
  Network(TimestampMs& clock, std::function<void()> step, std::function<int(int)> pick,
          std::function<void(const std::string&)> trace);
  ~Network();

  // The server's side: sessions are made on `core` for every new connection; none without one.
  void attach_server(server::SyncCore* core);
  // The server process died: every connection breaks, its sessions are gone.
  void server_crashed();

  // The transport client `index` syncs through (sync_once's SyncOptions::transport).
  client::Transport& transport(int index);
  // Client `index`'s process died: its connections break, and any call on them fails from now on.
  void client_died(int index);
  // A restarted client process: its new connections work again.
  void client_restarted(int index);

  // Delivers one frame (or a close) of a connection chosen at random; false when nothing is in flight.
  bool deliver_one();

  // Faults; each returns false when there is nothing it could hit.
  bool cut();
  bool stall();
  bool replay();
  bool swap();
  // Partitions client `index` (its connections stall, new ones fail), or heals it; returns the new state.
  bool toggle_partition(int index);
  void heal();

  // Connections still open.
  std::size_t open_connections() const;

 private:
  friend class SimSession;
  friend class SimLink;
  class ClientTransport;

  struct Wire {
    int client = 0;
    std::deque<Bytes> to_server;  // sent by the client, not yet read by the server
    std::deque<Bytes> to_client;  // sent by the server, on the way
    std::deque<Bytes> arrived;    // at the client, not read yet
    bool cut = false;             // broken: both ends see an error
    bool stalled = false;         // half-open: nothing more gets through
    bool client_closed = false;   // the client let go; the server sees the close after what it sent
    bool server_closing = false;  // the server closes once what it queued has gone out
    bool server_closed = false;
    std::shared_ptr<SimSession> session;
  };

  Result<std::unique_ptr<client::Connection>> open(int index, const std::string& url, const client::ServerCheck& check,
                                                   std::chrono::milliseconds timeout);
  // The client's end.
  Status client_send(std::uint64_t id, ByteView frame);
  Result<std::optional<Bytes>> client_receive(std::uint64_t id, std::chrono::milliseconds wait);
  void client_close(std::uint64_t id);
  // The server's end.
  void server_send(std::uint64_t id, Bytes frame);
  void server_close(std::uint64_t id);
  std::pair<std::size_t, std::size_t> backlog(std::uint64_t id) const;

  void break_wire(Wire& wire);
  void end_session(Wire& wire);
  // Connections a fault could hit: open, and (when `with_frames`) with a frame in flight.
  std::vector<std::uint64_t> candidates(bool with_frames) const;

  TimestampMs& clock_;
  std::function<void()> step_;
  std::function<int(int)> pick_;
  std::function<void(const std::string&)> trace_;
  server::SyncCore* core_ = nullptr;
  std::map<std::uint64_t, Wire> wires_;
  std::uint64_t next_id_ = 0;
  std::map<int, std::unique_ptr<ClientTransport>> transports_;
  std::set<int> dead_, partitioned_;
};

}  // namespace dsptsync::simulation
