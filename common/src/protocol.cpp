// The sync protocol's frames, handshake and messages (docs/protocol.md).
#include "dsptsync/protocol.h"

#include "dsptsync/bounded_archive.h"
#include "dsptsync/codec.h"
#include "dsptsync/limits.h"
#include "dsptsync/tuning.h"

#include <sodium.h>

#include <cereal/cereal.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace dsptsync {
// Found by argument-dependent lookup: a summary travels in Ready (version 3).
template <class Archive>
void serialize(Archive& archive, QuestionSetSummary& m) {
  archive(cereal::make_nvp("year", m.year), cereal::make_nvp("version", m.version),
          cereal::make_nvp("content_hash", m.content_hash));
}
// Found by BoundedInputArchive through argument-dependent lookup: a role travels in Ready.
bool enum_in_range(Role role) { return role_in_range(role); }
}  // namespace dsptsync

namespace dsptsync::protocol {

bool error_code_in_range(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_frame:
    case ErrorCode::frame_too_large:
    case ErrorCode::unsupported_version:
    case ErrorCode::handshake_failed:
    case ErrorCode::unknown_device:
    case ErrorCode::device_revoked:
    case ErrorCode::enrolment_code_invalid:
    case ErrorCode::enrolment_code_expired:
    case ErrorCode::enrolment_code_used:
    case ErrorCode::forbidden:
    case ErrorCode::invalid_change:
    case ErrorCode::out_of_order:
    case ErrorCode::server_busy:
    case ErrorCode::shutting_down:
    case ErrorCode::internal:
      return true;
  }
  return false;
}

// Found by BoundedInputArchive through argument-dependent lookup.
bool enum_in_range(ErrorCode code) { return error_code_in_range(code); }

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_frame: return "bad_frame";
    case ErrorCode::frame_too_large: return "frame_too_large";
    case ErrorCode::unsupported_version: return "unsupported_version";
    case ErrorCode::handshake_failed: return "handshake_failed";
    case ErrorCode::unknown_device: return "unknown_device";
    case ErrorCode::device_revoked: return "device_revoked";
    case ErrorCode::enrolment_code_invalid: return "enrolment_code_invalid";
    case ErrorCode::enrolment_code_expired: return "enrolment_code_expired";
    case ErrorCode::enrolment_code_used: return "enrolment_code_used";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::invalid_change: return "invalid_change";
    case ErrorCode::out_of_order: return "out_of_order";
    case ErrorCode::server_busy: return "server_busy";
    case ErrorCode::shutting_down: return "shutting_down";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

ClientAction action_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::server_busy:
    case ErrorCode::shutting_down:
    case ErrorCode::internal:
    case ErrorCode::out_of_order:
    case ErrorCode::bad_frame:
    case ErrorCode::frame_too_large:
      return ClientAction::retry;
    case ErrorCode::unknown_device:
      return ClientAction::reenrol;
    case ErrorCode::unsupported_version:
    case ErrorCode::handshake_failed:
    case ErrorCode::device_revoked:
    case ErrorCode::enrolment_code_invalid:
    case ErrorCode::enrolment_code_expired:
    case ErrorCode::enrolment_code_used:
    case ErrorCode::forbidden:
    case ErrorCode::invalid_change:
      return ClientAction::stop;
  }
  return ClientAction::stop;
}

std::string_view to_string(ClientAction action) {
  switch (action) {
    case ClientAction::retry: return "retry";
    case ClientAction::reenrol: return "reenrol";
    case ClientAction::stop: return "stop";
  }
  return "stop";
}

// ---- Message bodies. The member order below IS the wire format (protocol version 6: version 5's
// messages and the file messages after them; docs/protocol.md). ----

template <class Archive>
void serialize(Archive& archive, Authenticate& m) {
  archive(cereal::make_nvp("device_id", m.device_id), cereal::make_nvp("signature", m.signature));
}

template <class Archive>
void serialize(Archive& archive, Enrol& m) {
  archive(cereal::make_nvp("invite_id", m.invite_id), cereal::make_nvp("secret", m.secret),
          cereal::make_nvp("device_id", m.device_id), cereal::make_nvp("device_key", m.device_key),
          cereal::make_nvp("device_name", m.device_name), cereal::make_nvp("signature", m.signature));
}

template <class Archive>
void serialize(Archive& archive, PublishedStatus& m) {
  archive(cereal::make_nvp("publication_id", m.publication_id), cereal::make_nvp("ods", m.ods),
          cereal::make_nvp("year", m.year), cereal::make_nvp("status", m.status),
          cereal::make_nvp("public_status", m.public_status), cereal::make_nvp("published_at_ms", m.published_at_ms));
}

template <class Archive>
void serialize(Archive& archive, Ready& m) {
  archive(cereal::make_nvp("user", m.user), cereal::make_nvp("role", m.role), cereal::make_nvp("branch", m.branch),
          cereal::make_nvp("hq_code", m.hq_code), cereal::make_nvp("organisation", m.organisation),
          cereal::make_nvp("year", m.year), cereal::make_nvp("head_seq", m.head_seq),
          cereal::make_nvp("server_time_ms", m.server_time_ms), cereal::make_nvp("log_epoch", m.log_epoch),
          cereal::make_nvp("year_started_seq", m.year_started_seq), cereal::make_nvp("published", m.published),
          cereal::make_nvp("question_sets", m.question_sets));
}

template <class Archive>
void serialize(Archive& archive, FetchQuestionSet& m) {
  archive(cereal::make_nvp("year", m.year));
}


template <class Archive>
void serialize(Archive& archive, Ack& m) {
  archive(cereal::make_nvp("batch", m.batch), cereal::make_nvp("server_seqs", m.server_seqs));
}

template <class Archive>
void serialize(Archive& archive, Pull& m) {
  archive(cereal::make_nvp("after_seq", m.after_seq), cereal::make_nvp("max_changes", m.max_changes));
}

template <class Archive>
void serialize(Archive& archive, SignPushes& m) {
  archive(cereal::make_nvp("pushes", m.pushes), cereal::make_nvp("signature", m.signature));
}

template <class Archive>
void serialize(Archive& archive, Watch& m) {
  archive(cereal::make_nvp("after_seq", m.after_seq));
}

template <class Archive>
void serialize(Archive& archive, ErrorMessage& m) {
  archive(cereal::make_nvp("code", m.code), cereal::make_nvp("message", m.message), cereal::make_nvp("batch", m.batch));
}

// ---- The file messages (version 6). A manifest travels flattened into its message (ManifestWire). ----

template <class Archive>
void serialize(Archive& archive, FetchFile& m) {
  archive(cereal::make_nvp("root", m.root));
}

template <class Archive>
void serialize(Archive& archive, FetchChunks& m) {
  archive(cereal::make_nvp("root", m.root), cereal::make_nvp("first", m.first), cereal::make_nvp("count", m.count));
}

template <class Archive>
void serialize(Archive& archive, FileChunk& m) {
  archive(cereal::make_nvp("root", m.root), cereal::make_nvp("index", m.index), cereal::make_nvp("bytes", m.bytes));
}

template <class Archive>
void serialize(Archive& archive, FileWanted& m) {
  archive(cereal::make_nvp("root", m.root), cereal::make_nvp("next_chunk", m.next_chunk),
          cereal::make_nvp("chunk_count", m.chunk_count));
}

template <class Archive>
void serialize(Archive& archive, FileRefused& m) {
  archive(cereal::make_nvp("root", m.root), cereal::make_nvp("code", m.code), cereal::make_nvp("message", m.message));
}

namespace {

enum class MessageType : std::uint8_t {
  authenticate = 1,
  enrol = 2,
  ready = 3,
  push = 4,
  ack = 5,
  pull = 6,
  changes = 7,
  watch = 8,
  error = 9,
  fetch_question_set = 10,
  question_set = 11,
  sign_pushes = 12,
  fetch_file = 13,
  file_manifest = 14,
  fetch_chunks = 15,
  file_chunk = 16,
  put_file = 17,
  file_wanted = 18,
  file_refused = 19
};

// A manifest's fields as they travel inside FileManifest and PutFile: size, chunk size, chunk hashes.
struct ManifestWire {
  std::uint64_t size = 0;
  std::uint32_t chunk_bytes = 0;
  std::vector<files::Hash> chunks;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(cereal::make_nvp("size", size), cereal::make_nvp("chunk_bytes", chunk_bytes),
            cereal::make_nvp("chunks", chunks));
  }
  static ManifestWire of(const files::Manifest& manifest) {
    return {manifest.size, manifest.chunk_bytes, manifest.chunks};
  }
  files::Manifest manifest() && { return {size, chunk_bytes, std::move(chunks)}; }
};

struct FileManifestWire {
  files::Hash root{};
  ManifestWire manifest;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(cereal::make_nvp("root", root), cereal::make_nvp("manifest", manifest));
  }
};

struct PutFileWire {
  files::Hash root{};
  std::string scope;
  ManifestWire manifest;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(cereal::make_nvp("root", root), cereal::make_nvp("scope", scope), cereal::make_nvp("manifest", manifest));
  }
};

// The set travels as its own record (question_set.h), so what the device checks and keeps are
// exactly the bytes head office signed.
struct QuestionSetWire {
  Bytes record;
  bool live = false;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(cereal::make_nvp("record", record), cereal::make_nvp("live", live));
  }
};

// Changes travel as their own versioned records (codec.h), so the push signature covers exactly
// the bytes a change is stored and checked as.
struct PushWire {
  std::uint64_t batch = 0;
  std::vector<Bytes> changes;
  Signature signature{};
  template <class Archive>
  void serialize(Archive& archive) {
    archive(cereal::make_nvp("batch", batch), cereal::make_nvp("changes", changes),
            cereal::make_nvp("signature", signature));
  }
};

struct ChangesWire {
  std::vector<std::int64_t> server_seqs;
  std::vector<Bytes> changes;
  std::int64_t next_cursor = 0;
  bool more = false;
  bool live = false;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(cereal::make_nvp("server_seqs", server_seqs), cereal::make_nvp("changes", changes),
            cereal::make_nvp("next_cursor", next_cursor), cereal::make_nvp("more", more),
            cereal::make_nvp("live", live));
  }
};

struct HelloWire {
  PublicKey client_ephemeral{};
  Nonce32 client_nonce{};
  template <class Archive>
  void serialize(Archive& archive) {
    archive(cereal::make_nvp("client_ephemeral", client_ephemeral), cereal::make_nvp("client_nonce", client_nonce));
  }
};

struct WelcomeWire {
  PublicKey server_ephemeral{};
  PublicKey server_identity{};
  Signature signature{};
  template <class Archive>
  void serialize(Archive& archive) {
    archive(cereal::make_nvp("server_ephemeral", server_ephemeral),
            cereal::make_nvp("server_identity", server_identity), cereal::make_nvp("signature", signature));
  }
};

template <class T>
Bytes typed(MessageType type, const T& body) {
  Bytes out{static_cast<std::uint8_t>(type)};
  append_portable(out, body);
  return out;
}

Status check_text(std::string_view field, const std::string& text, std::size_t most) {
  if (text.size() <= most) return {};
  return corrupt(std::string(field) + " is " + std::to_string(text.size()) + " bytes; at most " +
                 std::to_string(most) + " are accepted");
}

Result<std::vector<Change>> decode_changes(const std::vector<Bytes>& encoded) {
  if (encoded.size() > limits::kMaxChangesPerMessage)
    return corrupt("the message holds " + std::to_string(encoded.size()) + " changes; at most " +
                   std::to_string(limits::kMaxChangesPerMessage) + " are accepted");
  std::vector<Change> changes;
  changes.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    auto change = codec::decode_change(encoded[i]);
    if (!change) return corrupt("change " + std::to_string(i) + ": " + change.error().message);
    changes.push_back(std::move(*change));
  }
  return changes;
}

// Sizes only (bounded decoding): whether the manifest names the file of its root is check_manifest's.
Status check_manifest_bounds(std::string_view message, const ManifestWire& manifest) {
  constexpr std::size_t kMostChunks = limits::kMaxFileBytes / tuning::kFileChunkBytes + 1;
  if (manifest.chunks.size() > kMostChunks)
    return corrupt(std::string(message) + ": the manifest lists " + std::to_string(manifest.chunks.size()) +
                   " chunks; at most " + std::to_string(kMostChunks) + " are accepted");
  if (manifest.size > limits::kMaxFileBytes)
    return corrupt(std::string(message) + ": a file of " + std::to_string(manifest.size) + " bytes; at most " +
                   std::to_string(limits::kMaxFileBytes) + " are accepted");
  if (manifest.chunk_bytes > tuning::kFileChunkBytes)
    return corrupt(std::string(message) + ": chunks of " + std::to_string(manifest.chunk_bytes) + " bytes; at most " +
                   std::to_string(tuning::kFileChunkBytes) + " are accepted");
  return {};
}

template <class T>
Result<T> load_body(ByteView bytes, std::string_view name) {
  T value{};
  if (auto loaded = load_untrusted(bytes, value, name); !loaded) return loaded.error();
  return value;
}

void update(crypto_generichash_state& state, std::string_view text) {
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(text.data()), text.size());
}
void update(crypto_generichash_state& state, ByteView bytes) {
  crypto_generichash_update(&state, bytes.data(), bytes.size());
}
void update_length(crypto_generichash_state& state, std::size_t length) {
  const std::uint8_t le[4] = {static_cast<std::uint8_t>(length), static_cast<std::uint8_t>(length >> 8),
                              static_cast<std::uint8_t>(length >> 16), static_cast<std::uint8_t>(length >> 24)};
  crypto_generichash_update(&state, le, sizeof le);
}

}  // namespace

Bytes encode_message(const Message& message) {
  return std::visit(
      [](const auto& m) -> Bytes {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Authenticate>) return typed(MessageType::authenticate, m);
        else if constexpr (std::is_same_v<T, Enrol>) return typed(MessageType::enrol, m);
        else if constexpr (std::is_same_v<T, Ready>) return typed(MessageType::ready, m);
        else if constexpr (std::is_same_v<T, Ack>) return typed(MessageType::ack, m);
        else if constexpr (std::is_same_v<T, Pull>) return typed(MessageType::pull, m);
        else if constexpr (std::is_same_v<T, Watch>) return typed(MessageType::watch, m);
        else if constexpr (std::is_same_v<T, ErrorMessage>) return typed(MessageType::error, m);
        else if constexpr (std::is_same_v<T, FetchQuestionSet>) return typed(MessageType::fetch_question_set, m);
        else if constexpr (std::is_same_v<T, SignPushes>) return typed(MessageType::sign_pushes, m);
        else if constexpr (std::is_same_v<T, FetchFile>) return typed(MessageType::fetch_file, m);
        else if constexpr (std::is_same_v<T, FileManifest>)
          return typed(MessageType::file_manifest, FileManifestWire{m.root, ManifestWire::of(m.manifest)});
        else if constexpr (std::is_same_v<T, FetchChunks>) return typed(MessageType::fetch_chunks, m);
        else if constexpr (std::is_same_v<T, FileChunk>) return typed(MessageType::file_chunk, m);
        else if constexpr (std::is_same_v<T, PutFile>)
          return typed(MessageType::put_file, PutFileWire{m.root, m.scope, ManifestWire::of(m.manifest)});
        else if constexpr (std::is_same_v<T, FileWanted>) return typed(MessageType::file_wanted, m);
        else if constexpr (std::is_same_v<T, FileRefused>) return typed(MessageType::file_refused, m);
        else if constexpr (std::is_same_v<T, QuestionSetMessage>)
          return typed(MessageType::question_set, QuestionSetWire{encode_question_set(m.set), m.live});
        else if constexpr (std::is_same_v<T, Push>) {
          PushWire wire{m.batch, {}, m.signature};
          wire.changes.reserve(m.changes.size());
          for (const auto& change : m.changes) wire.changes.push_back(codec::encode(change));
          return typed(MessageType::push, wire);
        } else {
          static_assert(std::is_same_v<T, Changes>);
          ChangesWire wire{{}, {}, m.next_cursor, m.more, m.live};
          for (const auto& sequenced : m.changes) {
            wire.server_seqs.push_back(sequenced.server_seq);
            wire.changes.push_back(codec::encode(sequenced.change));
          }
          return typed(MessageType::changes, wire);
        }
      },
      message);
}

Result<Message> decode_message(ByteView bytes) {
  if (bytes.empty()) return corrupt("message is empty: it has no type");
  const ByteView body = bytes.subspan(1);
  switch (static_cast<MessageType>(bytes[0])) {
    case MessageType::authenticate: {
      auto m = load_body<Authenticate>(body, "authenticate message");
      if (!m) return m.error();
      if (auto s = check_text("authenticate.device_id", m->device_id, limits::kMaxIdBytes); !s) return s.error();
      return Message(std::move(*m));
    }
    case MessageType::enrol: {
      auto m = load_body<Enrol>(body, "enrol message");
      if (!m) return m.error();
      for (const auto& [field, text] : {std::pair{"enrol.invite_id", &m->invite_id}, {"enrol.secret", &m->secret},
                                        {"enrol.device_id", &m->device_id}, {"enrol.device_name", &m->device_name}})
        if (auto s = check_text(field, *text, limits::kMaxNameBytes); !s) return s.error();
      return Message(std::move(*m));
    }
    case MessageType::ready: {
      auto m = load_body<Ready>(body, "ready message");
      if (!m) return m.error();
      for (const auto* text : {&m->user, &m->branch, &m->hq_code, &m->organisation, &m->year, &m->log_epoch})
        if (auto s = check_text("ready", *text, limits::kMaxNameBytes); !s) return s.error();
      if (m->question_sets.size() > limits::kMaxQuestionSetsPerReady)
        return corrupt("ready message: " + std::to_string(m->question_sets.size()) + " question sets; at most " +
                       std::to_string(limits::kMaxQuestionSetsPerReady) + " are accepted");
      for (const auto& summary : m->question_sets)
        if (auto s = check_text("ready.question_sets.year", summary.year, limits::kMaxNameBytes); !s) return s.error();
      return Message(std::move(*m));
    }
    case MessageType::fetch_question_set: {
      auto m = load_body<FetchQuestionSet>(body, "fetch question set message");
      if (!m) return m.error();
      if (auto s = check_text("fetch_question_set.year", m->year, limits::kMaxNameBytes); !s) return s.error();
      return Message(std::move(*m));
    }
    case MessageType::question_set: {
      auto wire = load_body<QuestionSetWire>(body, "question set message");
      if (!wire) return wire.error();
      auto set = decode_question_set(wire->record);
      if (!set) return corrupt("question set message: " + set.error().message);
      return Message(QuestionSetMessage{std::move(*set), wire->live});
    }
    case MessageType::push: {
      auto wire = load_body<PushWire>(body, "push message");
      if (!wire) return wire.error();
      auto changes = decode_changes(wire->changes);
      if (!changes) return corrupt("push message: " + changes.error().message);
      return Message(Push{wire->batch, std::move(*changes), wire->signature});
    }
    case MessageType::ack: {
      auto m = load_body<Ack>(body, "ack message");
      if (!m) return m.error();
      if (m->server_seqs.size() > limits::kMaxChangesPerMessage) return corrupt("ack message: too many sequence numbers");
      return Message(std::move(*m));
    }
    case MessageType::pull: {
      auto m = load_body<Pull>(body, "pull message");
      if (!m) return m.error();
      return Message(*m);
    }
    case MessageType::changes: {
      auto wire = load_body<ChangesWire>(body, "changes message");
      if (!wire) return wire.error();
      if (wire->server_seqs.size() != wire->changes.size())
        return corrupt("changes message: " + std::to_string(wire->server_seqs.size()) + " sequence numbers for " +
                       std::to_string(wire->changes.size()) + " changes");
      auto changes = decode_changes(wire->changes);
      if (!changes) return corrupt("changes message: " + changes.error().message);
      Changes m{{}, wire->next_cursor, wire->more, wire->live};
      for (std::size_t i = 0; i < changes->size(); ++i)
        m.changes.push_back({wire->server_seqs[i], std::move((*changes)[i])});
      return Message(std::move(m));
    }
    case MessageType::sign_pushes: {
      auto m = load_body<SignPushes>(body, "sign pushes message");
      if (!m) return m.error();
      return Message(*m);
    }
    case MessageType::watch: {
      auto m = load_body<Watch>(body, "watch message");
      if (!m) return m.error();
      return Message(*m);
    }
    case MessageType::error: {
      auto m = load_body<ErrorMessage>(body, "error message");
      if (!m) return m.error();
      if (auto s = check_text("error.message", m->message, limits::kMaxErrorMessageBytes); !s) return s.error();
      return Message(std::move(*m));
    }
    case MessageType::fetch_file: {
      auto m = load_body<FetchFile>(body, "fetch file message");
      if (!m) return m.error();
      return Message(*m);
    }
    case MessageType::file_manifest: {
      auto wire = load_body<FileManifestWire>(body, "file manifest message");
      if (!wire) return wire.error();
      if (auto s = check_manifest_bounds("file manifest message", wire->manifest); !s) return s.error();
      return Message(FileManifest{wire->root, std::move(wire->manifest).manifest()});
    }
    case MessageType::fetch_chunks: {
      auto m = load_body<FetchChunks>(body, "fetch chunks message");
      if (!m) return m.error();
      if (m->count < 1 || m->count > tuning::kFileFetchWindow)
        return corrupt("fetch chunks message: asks for " + std::to_string(m->count) + " chunks; 1 to " +
                       std::to_string(tuning::kFileFetchWindow) + " are accepted");
      return Message(*m);
    }
    case MessageType::file_chunk: {
      auto m = load_body<FileChunk>(body, "file chunk message");
      if (!m) return m.error();
      if (m->bytes.size() > tuning::kFileChunkBytes)
        return corrupt("file chunk message: a chunk of " + std::to_string(m->bytes.size()) + " bytes; at most " +
                       std::to_string(tuning::kFileChunkBytes) + " are accepted");
      return Message(std::move(*m));
    }
    case MessageType::put_file: {
      auto wire = load_body<PutFileWire>(body, "put file message");
      if (!wire) return wire.error();
      if (auto s = check_text("put_file.scope", wire->scope, limits::kMaxKeyPartBytes); !s) return s.error();
      if (auto s = check_manifest_bounds("put file message", wire->manifest); !s) return s.error();
      return Message(PutFile{wire->root, std::move(wire->scope), std::move(wire->manifest).manifest()});
    }
    case MessageType::file_wanted: {
      auto m = load_body<FileWanted>(body, "file wanted message");
      if (!m) return m.error();
      return Message(*m);
    }
    case MessageType::file_refused: {
      auto m = load_body<FileRefused>(body, "file refused message");
      if (!m) return m.error();
      if (auto s = check_text("file_refused.message", m->message, limits::kMaxErrorMessageBytes); !s) return s.error();
      return Message(std::move(*m));
    }
  }
  return corrupt("message type " + std::to_string(bytes[0]) + " is not one this build knows");
}

std::string_view message_name(const Message& message) {
  static constexpr std::string_view kNames[] = {
      "authenticate", "enrol",       "ready",       "push",          "ack",
      "pull",         "changes",     "watch",       "error",         "fetch_question_set",
      "question_set", "sign_pushes", "fetch_file",  "file_manifest", "fetch_chunks",
      "file_chunk",   "put_file",    "file_wanted", "file_refused"};
  static_assert(std::size(kNames) == std::variant_size_v<Message>);
  return kNames[message.index()];
}

bool is_file_message(const Message& message) {
  return std::holds_alternative<FetchFile>(message) || std::holds_alternative<FileManifest>(message) ||
         std::holds_alternative<FetchChunks>(message) || std::holds_alternative<FileChunk>(message) ||
         std::holds_alternative<PutFile>(message) || std::holds_alternative<FileWanted>(message) ||
         std::holds_alternative<FileRefused>(message);
}

namespace {
// A frame's first two bytes, in a buffer with room for the body that follows.
Bytes frame_header(FrameKind kind, std::uint8_t version, std::size_t body_bytes) {
  Bytes out;
  out.reserve(body_bytes + 2);
  out.push_back(version);
  out.push_back(static_cast<std::uint8_t>(kind));
  return out;
}
}  // namespace

Bytes encode_frame(FrameKind kind, ByteView body, std::uint8_t version) {
  Bytes out = frame_header(kind, version, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<FrameView> parse_frame(ByteView frame) {
  if (frame.size() > limits::kMaxFrameBytes)
    return corrupt("frame of " + std::to_string(frame.size()) + " bytes is over the limit of " +
                   std::to_string(limits::kMaxFrameBytes));
  if (frame.size() < 2) return corrupt("frame of " + std::to_string(frame.size()) + " bytes is too short for its header");
  FrameView view{frame[0], static_cast<FrameKind>(frame[1]), frame.subspan(2)};
  if (view.version < kOldestProtocolVersion || view.version > kProtocolVersion)
    return make_error(ErrorKind::protocol, "the peer speaks protocol version " + std::to_string(view.version) +
                                               "; this build speaks " + std::to_string(kOldestProtocolVersion) +
                                               " to " + std::to_string(kProtocolVersion) +
                                               ": update the older of dsptsync and dsptsync-server");
  if (frame[1] < 1 || frame[1] > 3) return corrupt("frame kind " + std::to_string(frame[1]) + " is unknown");
  return view;
}

Bytes encode_hello(const Hello& hello) { return encode_portable(HelloWire{hello.client_ephemeral, hello.client_nonce}); }

Result<Hello> decode_hello(ByteView body) {
  auto wire = load_body<HelloWire>(body, "hello frame");
  if (!wire) return wire.error();
  return Hello{kProtocolVersion, wire->client_ephemeral, wire->client_nonce};
}

Bytes encode_welcome(const Welcome& welcome) {
  return encode_portable(WelcomeWire{welcome.server_ephemeral, welcome.server_identity, welcome.signature});
}

Result<Welcome> decode_welcome(ByteView body) {
  auto wire = load_body<WelcomeWire>(body, "welcome frame");
  if (!wire) return wire.error();
  return Welcome{kProtocolVersion, wire->server_ephemeral, wire->server_identity, wire->signature};
}

std::array<std::uint8_t, 32> transcript(const Hello& hello, const Welcome& welcome) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  update(state, std::string_view("dsptsync handshake v1"));
  crypto_generichash_update(&state, &hello.version, 1);
  update(state, hello.client_ephemeral);
  update(state, hello.client_nonce);
  update(state, welcome.server_ephemeral);
  update(state, welcome.server_identity);
  std::array<std::uint8_t, 32> out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

namespace {
Bytes with_context(std::string_view context, const std::array<std::uint8_t, 32>& transcript) {
  Bytes out(context.begin(), context.end());
  out.insert(out.end(), transcript.begin(), transcript.end());
  return out;
}
}  // namespace

Bytes authentication_payload(const std::array<std::uint8_t, 32>& transcript) {
  return with_context("dsptsync auth v1", transcript);
}

Bytes enrolment_payload(const std::array<std::uint8_t, 32>& transcript) {
  return with_context("dsptsync enrol v1", transcript);
}

bool is_unsigned(const Signature& signature) {
  return std::all_of(signature.begin(), signature.end(), [](std::uint8_t byte) { return byte == 0; });
}

Digest cover_digest(std::string_view device_id, const std::vector<Digest>& push_digests) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  update(state, std::string_view("dsptsync pushes v1"));
  update_length(state, device_id.size());
  update(state, device_id);
  update_length(state, push_digests.size());
  for (const auto& digest : push_digests) update(state, ByteView(digest.data(), digest.size()));
  Digest out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

std::array<std::uint8_t, 32> push_digest(std::string_view device_id, const std::vector<Change>& changes,
                                         std::size_t* encoded_bytes) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  update(state, std::string_view("dsptsync push v1"));
  update_length(state, device_id.size());
  update(state, device_id);
  for (const auto& change : changes) {
    const Bytes encoded = codec::encode(change);
    update_length(state, encoded.size());
    update(state, encoded);
    if (encoded_bytes) *encoded_bytes += encoded.size();
  }
  std::array<std::uint8_t, 32> out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

EphemeralKeys EphemeralKeys::generate() {
  EphemeralKeys keys;
  crypto_kx_keypair(keys.public_key.data(), keys.secret_key.data());
  return keys;
}

Result<SessionCipher> SessionCipher::establish(bool client, const std::array<std::uint8_t, 32>& own_public,
                                               const std::array<std::uint8_t, 32>& own_secret,
                                               const std::array<std::uint8_t, 32>& peer_public) {
  std::array<std::uint8_t, crypto_kx_SESSIONKEYBYTES> receive{}, send{};
  const int rc = client ? crypto_kx_client_session_keys(receive.data(), send.data(), own_public.data(),
                                                        own_secret.data(), peer_public.data())
                        : crypto_kx_server_session_keys(receive.data(), send.data(), own_public.data(),
                                                        own_secret.data(), peer_public.data());
  if (rc != 0) return make_error(ErrorKind::protocol, "the peer's key exchange value is not acceptable");
  SessionCipher cipher;
  cipher.sender_ = FrameSealer(*crypto::SecretKey::from_bytes(send));
  cipher.receive_key_ = *crypto::SecretKey::from_bytes(receive);
  sodium_memzero(send.data(), send.size());
  sodium_memzero(receive.data(), receive.size());
  return cipher;
}

namespace {
// Nonces are the frame counter: each direction has its own key, so a counter never repeats under
// one key, and a frame opened with any other counter than the next expected one fails.
std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> counter_nonce(std::uint64_t counter) {
  std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};
  for (int i = 0; i < 8; ++i) nonce[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter >> (8 * i));
  return nonce;
}
}  // namespace

Bytes FrameSealer::seal(ByteView plaintext) {
  Bytes out(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  const auto nonce = counter_nonce(sent_++);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &written, plaintext.data(), plaintext.size(), nullptr, 0,
                                             nullptr, nonce.data(), key_.bytes().data());
  out.resize(written);
  return out;
}

Bytes FrameSealer::seal_frame(ByteView encoded_message, std::uint8_t version) {
  Bytes frame =
      frame_header(FrameKind::sealed, version, encoded_message.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  const std::size_t header = frame.size();
  frame.resize(header + encoded_message.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  const auto nonce = counter_nonce(sent_++);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(frame.data() + header, &written, encoded_message.data(),
                                             encoded_message.size(), nullptr, 0, nullptr, nonce.data(),
                                             key_.bytes().data());
  frame.resize(header + written);
  return frame;
}

FrameSealer& SessionCipher::sender() {
  // A frame sealed while another thread holds the sender would reuse or skip its counters.
  if (!sender_) std::abort();
  return *sender_;
}

FrameSealer SessionCipher::lend_sender() {
  FrameSealer lent = std::move(sender());
  sender_.reset();
  return lent;
}

void SessionCipher::take_back(FrameSealer sender) {
  if (sender_) std::abort();  // given back twice: one of them sealed with counters already used
  sender_ = std::move(sender);
}

Result<Bytes> SessionCipher::open(ByteView sealed) {
  if (sealed.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) return corrupt("sealed frame is too short");
  Bytes out(sealed.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  const auto nonce = counter_nonce(received_);
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &written, nullptr, sealed.data(), sealed.size(), nullptr,
                                                 0, nonce.data(), receive_key_.bytes().data()) != 0)
    return corrupt("frame " + std::to_string(received_) +
                   " failed authentication: it was altered, replayed, reordered or sealed with another key");
  ++received_;
  out.resize(written);
  return out;
}

std::string fingerprint(const PublicKey& server_identity) {
  return crypto::to_hex(ByteView(server_identity.data(), 8));
}

std::string format_enrolment_code(const EnrolmentCode& code) {
  return code.invite_id + "-" + code.secret + "-" + code.server_fingerprint;
}

Result<EnrolmentCode> parse_enrolment_code(std::string_view text) {
  std::string cleaned;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) cleaned += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto first = cleaned.find('-');
  const auto second = first == std::string::npos ? std::string::npos : cleaned.find('-', first + 1);
  auto bad = [&] {
    return invalid_input("'" + std::string(text) +
                         "' is not an enrolment code; it looks like 3f9a01c2-8d41e7b09c5a2f6e1d3b-5aa1c9e07f3b2d18 "
                         "(ask head office to run 'dsptsync-server invite')");
  };
  if (second == std::string::npos || cleaned.find('-', second + 1) != std::string::npos) return bad();
  EnrolmentCode code{cleaned.substr(0, first), cleaned.substr(first + 1, second - first - 1), cleaned.substr(second + 1)};
  auto hex = [](const std::string& part, std::size_t length) {
    return part.size() == length && std::all_of(part.begin(), part.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  };
  if (!hex(code.invite_id, 8) || !hex(code.secret, 20) || !hex(code.server_fingerprint, 16)) return bad();
  return code;
}

}  // namespace dsptsync::protocol
