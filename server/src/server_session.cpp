#include "server_session.h"

#include "log.h"

#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"

#include <algorithm>

namespace dsptsync::server {

using protocol::ErrorCode;
using protocol::ErrorMessage;
using protocol::FrameKind;

ServerSession::ServerSession(SyncCore& core, std::string peer) : core_(core), peer_(std::move(peer)) {}

ServerSession::~ServerSession() = default;

template <class... Args, class Work>
std::function<void(Args...)> ServerSession::on_executor(Work work) {
  std::weak_ptr<ServerSession> weak = weak_from_this();
  return [weak, work = std::move(work)](Args... args) {
    auto self = weak.lock();
    if (!self) return;
    self->post([weak, work, tuple = std::make_tuple(std::move(args)...)]() mutable {
      auto session = weak.lock();
      if (!session || session->state_ == State::closed) return;
      std::apply([&](auto&&... unpacked) { work(*session, std::move(unpacked)...); }, std::move(tuple));
    });
  };
}

void ServerSession::on_frame(ByteView frame) {
  if (state_ == State::closed) return;
  auto parsed = protocol::parse_frame(frame);
  if (!parsed) {
    const bool version = parsed.error().kind == ErrorKind::protocol;
    return fail(version ? ErrorCode::unsupported_version : ErrorCode::bad_frame, parsed.error().message);
  }
  if (state_ == State::awaiting_hello) {
    if (parsed->kind != FrameKind::hello) return fail(ErrorCode::bad_frame, "the first frame must be a hello");
    return on_hello(*parsed);
  }
  if (parsed->kind != FrameKind::sealed || !cipher_)
    return fail(ErrorCode::bad_frame, "after the handshake every frame must be sealed");
  auto plain = cipher_->open(parsed->body);
  if (!plain) return fail(ErrorCode::bad_frame, plain.error().message);
  auto message = protocol::decode_message(*plain);
  if (!message) return fail(ErrorCode::bad_frame, message.error().message);
  on_message(std::move(*message));
}

void ServerSession::on_hello(const protocol::FrameView& frame) {
  auto hello = protocol::decode_hello(frame.body);
  if (!hello) return fail(ErrorCode::bad_frame, hello.error().message);
  // An older laptop is answered in its own version, and the transcript covers the version it spoke.
  hello->version = frame.version;
  version_ = frame.version;
  ephemeral_ = protocol::EphemeralKeys::generate();
  protocol::Welcome welcome;
  welcome.server_ephemeral = ephemeral_.public_key;
  welcome.server_identity = core_.identity_public_key();
  transcript_ = protocol::transcript(*hello, welcome);
  welcome.signature = crypto::sign(core_.identity(), transcript_);
  auto cipher = protocol::SessionCipher::establish(false, ephemeral_.public_key, ephemeral_.secret_key,
                                                   hello->client_ephemeral);
  if (!cipher) return fail(ErrorCode::handshake_failed, cipher.error().message);
  cipher_ = std::move(*cipher);
  state_ = State::awaiting_auth;
  send_frame(protocol::encode_frame(FrameKind::welcome, protocol::encode_welcome(welcome), version_));
}

void ServerSession::on_message(protocol::Message message) {
  if (state_ == State::awaiting_auth) {
    if (auth_pending_) return fail(ErrorCode::bad_frame, "wait for the answer to authentication");
    auto done = on_executor<std::variant<Principal, ErrorMessage>, protocol::Ready>(
        [](ServerSession& self, std::variant<Principal, ErrorMessage> result, protocol::Ready ready) {
          self.on_authenticated(std::move(result), std::move(ready));
        });
    if (auto* authenticate = std::get_if<protocol::Authenticate>(&message)) {
      auth_pending_ = true;
      return core_.authenticate(std::move(*authenticate), transcript_, done);
    }
    if (auto* enrol = std::get_if<protocol::Enrol>(&message)) {
      auth_pending_ = true;
      return core_.enrol(std::move(*enrol), transcript_, done);
    }
    return fail(ErrorCode::bad_frame, "authenticate or enrol first, not " + std::string(protocol::message_name(message)));
  }
  auto reply = on_executor<protocol::Message>(
      [](ServerSession& self, protocol::Message answer) { self.send_message(answer); });
  if (auto* push = std::get_if<protocol::Push>(&message)) {
    if (protocol::is_unsigned(push->signature) && unsigned_pushes_.size() >= limits::kMaxUnsignedPushes)
      return fail(ErrorCode::forbidden, "this device sent " + std::to_string(unsigned_pushes_.size()) +
                                            " pushes without signing them; a device signs its pushes at least every " +
                                            std::to_string(limits::kMaxUnsignedPushes));
    return core_.push(*principal_, std::move(*push), reply, unsigned_pushes_);
  }
  if (auto* sign = std::get_if<protocol::SignPushes>(&message)) {
    if (auto refused = core_.sign_pushes(*principal_, *sign, unsigned_pushes_))
      return fail(refused->code, refused->message);
    return;
  }
  if (auto* pull = std::get_if<protocol::Pull>(&message)) return core_.pull(*principal_, *pull, reply);
  if (auto* fetch = std::get_if<protocol::FetchQuestionSet>(&message))
    return core_.fetch_question_set(*principal_, std::move(*fetch), reply);
  if (protocol::is_file_message(message)) return on_file_message(std::move(message));
  if (auto* watch = std::get_if<protocol::Watch>(&message)) {
    if (watching_) return fail(ErrorCode::bad_frame, "this session is already watching");
    watching_ = true;
    auto page = on_executor<protocol::Message>(
        [](ServerSession& self, protocol::Message answer) { self.on_watch_page(std::move(answer)); });
    return core_.watch(*principal_, watch->after_seq, weak_from_this(), page);
  }
  fail(ErrorCode::bad_frame, std::string(protocol::message_name(message)) + " is not a message a client sends");
}

void ServerSession::on_authenticated(std::variant<Principal, ErrorMessage> result, protocol::Ready ready) {
  auth_pending_ = false;
  if (auto* refused = std::get_if<ErrorMessage>(&result)) {
    log_event("warn", "auth_refused", {{"peer", peer_}, {"code", protocol::to_string(refused->code)},
                                       {"reason", refused->message}});
    return end_with(*refused);
  }
  principal_ = std::get<Principal>(std::move(result));
  state_ = State::ready;
  core_.attach(principal_->device_id, weak_from_this());
  log_event("info", "session_ready", {{"peer", peer_}, {"user", principal_->user}, {"device", principal_->device_id},
                                      {"branch", principal_->branch}, {"role", protocol::to_string(principal_->role)}});
  send_message(ready);
}

void ServerSession::send_message(const protocol::Message& message) {
  send_encoded(protocol::encode_message(message));
}

void ServerSession::send_encoded(ByteView encoded) {
  if (!cipher_ || state_ == State::closed) return;
  // Judged before sealing, so the frames the client does get stay in the cipher's order.
  if (queued_bytes() + encoded.size() > limits::kMaxQueuedBytesPerConnection) return cut_off_slow_client();
  if (cipher_->lent()) {  // a window of chunks takes the next counters: this frame follows it
    held_bytes_ += encoded.size();
    held_.emplace_back(encoded.begin(), encoded.end());
    return;
  }
  send_frame(cipher_->seal_frame(encoded, version_));
}

void ServerSession::send_held() {
  while (!held_.empty() && state_ != State::closed) {
    const Bytes encoded = std::move(held_.front());
    held_.pop_front();
    held_bytes_ -= encoded.size();
    send_frame(cipher_->seal_frame(encoded, version_));
  }
}

std::size_t ServerSession::queued_bytes() const { return backlog().bytes + held_bytes_; }

void ServerSession::end_with(const ErrorMessage& error) {
  // Past the budget by this one small frame only; then nothing more is queued.
  if (cipher_ && !cipher_->lent()) send_frame(cipher_->seal_frame(protocol::encode_message(error), version_));
  state_ = State::closed;
  close_after_send(error.message);
}

void ServerSession::cut_off_slow_client() {
  const Backlog waiting = backlog();
  log_event("warn", "slow_client", {{"peer", peer_}, {"queued", waiting.frames}, {"queued_bytes", waiting.bytes}});
  const ErrorMessage bye{ErrorCode::server_busy,
                         "this device did not take what head office sent in time (" +
                             std::to_string(waiting.bytes / 1024) +
                             " KiB waiting); it reconnects and catches up from where it got to",
                         0};
  end_with(bye);
}

void ServerSession::on_watch_page(protocol::Message page) {
  const auto* changes = std::get_if<protocol::Changes>(&page);
  next_page_wanted_ = changes && changes->more;
  send_message(page);
  ask_for_next_page();
}

void ServerSession::ask_for_next_page() {
  if (!next_page_wanted_ || state_ != State::ready) return;
  if (queued_bytes() > limits::kMaxQueuedBytesPerConnection / 2) return;  // on_sent asks again
  next_page_wanted_ = false;
  core_.next_watch_page(this);
}

void ServerSession::on_sent() {
  ask_for_next_page();
  ask_for_next_chunks();
}

void ServerSession::on_file_message(protocol::Message message) {
  if (version_ < protocol::kFilesProtocolVersion)
    return fail(ErrorCode::bad_frame, "protocol version " + std::to_string(version_) + " has no " +
                                          std::string(protocol::message_name(message)) + " message");
  if (auto* fetch = std::get_if<protocol::FetchFile>(&message)) {
    auto reply = on_executor<protocol::Message>(
        [](ServerSession& self, protocol::Message answer) { self.send_message(answer); });
    return core_.fetch_file(*principal_, *fetch, reply);
  }
  if (auto* chunks = std::get_if<protocol::FetchChunks>(&message)) return on_fetch_chunks(*chunks);
  if (auto* put = std::get_if<protocol::PutFile>(&message)) return on_put_file(std::move(*put));
  if (auto* chunk = std::get_if<protocol::FileChunk>(&message)) return on_uploaded_chunk(std::move(*chunk));
  fail(ErrorCode::bad_frame, std::string(protocol::message_name(message)) + " is not a message a client sends");
}

void ServerSession::on_fetch_chunks(const protocol::FetchChunks& request) {
  if (chunks_owed_ + request.count > tuning::kFileFetchWindow)
    return fail(ErrorCode::bad_frame,
                "this device asked for more than " + std::to_string(tuning::kFileFetchWindow) + " chunks at once");
  chunks_owed_ += request.count;
  chunks_waiting_.push_back(request);
  ask_for_next_chunks();
}

void ServerSession::ask_for_next_chunks() {
  if (chunks_with_core_ || chunks_waiting_.empty() || state_ != State::ready) return;
  const protocol::FetchChunks request = chunks_waiting_.front();
  // Room for the whole window in half the budget, as for a watch's page: on_sent asks again.
  if (queued_bytes() + request.count * tuning::kFileChunkBytes > limits::kMaxQueuedBytesPerConnection / 2) return;
  chunks_waiting_.pop_front();
  chunks_with_core_ = true;
  auto answered = on_executor<ChunkWindow>([count = request.count](ServerSession& self, ChunkWindow window) {
    self.chunks_with_core_ = false;
    self.chunks_owed_ -= count;
    self.cipher_->take_back(std::move(window.sender));
    for (auto& frame : window.frames) self.send_frame(std::move(frame));
    window.reading.reset();  // queued: the file server may read another window
    self.send_held();
    self.ask_for_next_chunks();
  });
  // The file server seals the window's frames with the next counters, off the I/O thread.
  core_.fetch_chunks(*principal_, request, ChunkWindow{cipher_->lend_sender(), version_, {}, nullptr}, answered);
}

void ServerSession::on_put_file(protocol::PutFile request) {
  // A manifest that is not its root's is no honest laptop's: the file's name is its manifest's hash.
  if (auto checked = files::check_manifest(request.manifest, request.root); !checked)
    return fail(ErrorCode::bad_frame, "put file: " + checked.error().message);
  std::erase_if(puts_, [&](const auto& put) { return put.first == request.root; });
  if (puts_.size() == tuning::kFileFetchWindow) puts_.erase(puts_.begin());
  puts_.emplace_back(request.root, request.scope);
  auto reply =
      on_executor<protocol::Message>([](ServerSession& self, protocol::Message answer) { self.send_message(answer); });
  core_.put_file(*principal_, std::move(request), reply);
}

void ServerSession::on_uploaded_chunk(protocol::FileChunk chunk) {
  auto put = std::find_if(puts_.begin(), puts_.end(), [&](const auto& p) { return p.first == chunk.root; });
  if (put == puts_.end())
    return fail(ErrorCode::bad_frame,
                "a chunk of file " + files::to_hex(chunk.root) + ", which this session did not put");
  if (uploads_unanswered_ == tuning::kFileFetchWindow)
    return fail(ErrorCode::bad_frame, "this device sent more than " + std::to_string(tuning::kFileFetchWindow) +
                                          " chunks without waiting for an answer");
  ++uploads_unanswered_;
  auto reply = on_executor<protocol::Message>([](ServerSession& self, protocol::Message answer) {
    --self.uploads_unanswered_;
    self.send_message(answer);
  });
  core_.add_chunk(*principal_, put->second, std::move(chunk), reply);
}

void ServerSession::deliver_live(std::shared_ptr<const Bytes> encoded) {
  post([weak = weak_from_this(), encoded] {
    if (auto self = weak.lock(); self && self->state_ == State::ready) self->send_encoded(*encoded);
  });
}

void ServerSession::revoke(ErrorMessage error) {
  post([weak = weak_from_this(), error] {
    auto self = weak.lock();
    if (!self || self->state_ == State::closed) return;
    self->end_with(error);
  });
}

void ServerSession::fail(ErrorCode code, std::string message) {
  if (state_ == State::closed) return;
  log_event("warn", "session_failed", {{"peer", peer_}, {"code", protocol::to_string(code)}, {"reason", message}});
  if (message.size() > limits::kMaxErrorMessageBytes) message.resize(limits::kMaxErrorMessageBytes);
  // Before the handshake there is no cipher: the client only sees the connection close.
  end_with(ErrorMessage{code, message, 0});
}

void ServerSession::on_closed() {
  state_ = State::closed;
  if (watching_) core_.unwatch(this);
  if (principal_) core_.detach(principal_->device_id, this);
}

}  // namespace dsptsync::server
