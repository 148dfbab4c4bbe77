// One client connection's protocol state machine, free of any transport: the WebSocket session
// (net/ws_server.cpp) feeds it frames and implements send/close/post.
#pragma once

#include "sync_core.h"

#include "dsptsync/protocol.h"

#include <list>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace dsptsync::server {

class ServerSession : public SessionSink, public std::enable_shared_from_this<ServerSession> {
 public:
  ServerSession(SyncCore& core, std::string peer);
  ~ServerSession() override;

  // Call on the session's executor, one frame at a time.
  void on_frame(ByteView frame);
  // The transport closed: forget watches and registrations.
  void on_closed();
  // The transport wrote a frame: a watcher catching up may have room for its next page now.
  void on_sent();

  // SessionSink (called from the core's worker thread).
  void deliver_live(std::shared_ptr<const Bytes> encoded_message) override;
  void revoke(protocol::ErrorMessage error) override;

  const std::string& peer() const { return peer_; }
  bool authenticated() const { return principal_.has_value(); }

 protected:
  // What the transport holds that the client has not taken yet.
  struct Backlog {
    std::size_t frames = 0;
    std::size_t bytes = 0;
  };
  virtual Backlog backlog() const = 0;
  // Transport: queue a frame for sending, in order.
  virtual void send_frame(Bytes frame) = 0;
  // Transport: send what is queued, then close the connection.
  virtual void close_after_send(std::string reason) = 0;
  // Transport: run `work` on this session's executor.
  virtual void post(std::function<void()> work) = 0;

 private:
  enum class State { awaiting_hello, awaiting_auth, ready, closed };

  void on_hello(const protocol::FrameView& frame);
  void on_message(protocol::Message message);
  // The policy library's file messages (version 6): none of their refusals ends the session, but a
  // broken manifest or more chunks at once than a laptop ever asks for does.
  void on_file_message(protocol::Message message);
  void on_fetch_chunks(const protocol::FetchChunks& request);
  void on_put_file(protocol::PutFile request);
  void on_uploaded_chunk(protocol::FileChunk chunk);
  // Hands the next FetchChunks waiting to the core once the transport has room for its chunks, so a
  // download never holds more than a window of chunks here and in the transport.
  void ask_for_next_chunks();
  void on_authenticated(std::variant<Principal, protocol::ErrorMessage> result, protocol::Ready ready);
  void send_message(const protocol::Message& message);
  void send_encoded(ByteView encoded);
  // Seals and sends the messages held while a window of chunks was being sealed elsewhere.
  void send_held();
  // What waits to be sent: in the transport, and held for the sending side to come back.
  std::size_t queued_bytes() const;
  // Sends `error` as the session's last frame and closes the connection. While the sending side is
  // lent to the file server, the frame could not be sealed in order: the connection closes without
  // it, and the laptop is told why when it connects again, if the reason still holds.
  void end_with(const protocol::ErrorMessage& error);
  // Over limits::kMaxQueuedBytesPerConnection: tell the client, and close.
  void cut_off_slow_client();
  void on_watch_page(protocol::Message page);
  // Asks the core for the next catch-up page once less than half the queue's budget waits.
  void ask_for_next_page();
  void fail(protocol::ErrorCode code, std::string message);
  // Wraps a callback from the core so it runs on this session's executor, if the session lives.
  template <class... Args, class Work>
  std::function<void(Args...)> on_executor(Work work);

  SyncCore& core_;
  std::string peer_;
  State state_ = State::awaiting_hello;
  protocol::EphemeralKeys ephemeral_;
  std::array<std::uint8_t, 32> transcript_{};
  std::optional<protocol::SessionCipher> cipher_;
  std::optional<Principal> principal_;
  bool watching_ = false;
  bool next_page_wanted_ = false;  // a catch-up page said more, and the next is not asked for yet
  bool auth_pending_ = false;
  // The session's protocol version: the Hello frame's; every frame sent carries it.
  std::uint8_t version_ = protocol::kProtocolVersion;
  // Downloads: chunks asked for and not yet sent (at most tuning::kFileFetchWindow), the requests
  // waiting for room, and whether one is with the core.
  // Lists, not deques, as the connection's outbox (ws_session.h): an empty libstdc++ deque holds
  // about 600 bytes, and both queues are empty on almost every connection almost all the time.
  std::size_t chunks_owed_ = 0;
  std::list<protocol::FetchChunks> chunks_waiting_;
  bool chunks_with_core_ = false;
  // Messages sent while the sending side is lent for a window (encoded, not sealed yet), in order.
  std::list<Bytes> held_;
  std::size_t held_bytes_ = 0;
  // Uploads: the scope each file put on this session is for (the newest few), and the chunks received
  // and not yet answered (at most tuning::kFileFetchWindow).
  std::vector<std::pair<files::Hash, std::string>> puts_;
  std::size_t uploads_unanswered_ = 0;
  // Digests of the pushes received unsigned since the device last signed them (version 5).
  std::vector<protocol::Digest> unsigned_pushes_;
};

}  // namespace dsptsync::server
