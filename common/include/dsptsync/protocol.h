// The sync protocol between branch clients and the HQ server (docs/protocol.md).
//
// Transport: one WebSocket binary message per frame. A frame is
//     [protocol version: u8] [frame kind: u8] [body]
// and is refused for its size before anything decodes it (limits::kMaxFrameBytes).
//
// Handshake (independent of TLS):
//   1. client -> server  Hello   {version, client ephemeral X25519 key, client nonce}        (plain)
//   2. server -> client  Welcome {server ephemeral X25519 key, server identity Ed25519 key,
//                                 signature of the transcript by the server identity key}    (plain)
//      The client checks the identity key against the one pinned at enrolment (or the
//      fingerprint in the enrolment code), so a man in the middle cannot pose as HQ.
//   3. Both derive one key per direction (crypto_kx). Every later frame is sealed with
//      XChaCha20-Poly1305 under its direction's key with a nonce made of a frame counter:
//      a replayed, reordered, dropped or altered frame fails to open and ends the session.
//   4. client -> server  Authenticate {device id, signature of the transcript by the device key}
//      or Enrol {enrolment code, new device id and public key, signature of the transcript}.
//   5. server -> client  Ready {who the device is for, what it may do, where the log is}.
// Then: Push / Ack (a push signed on its own, or covered by the session's next SignPushes), Pull / Changes, Watch (live
// Changes), FetchQuestionSet / QuestionSet (the signed question set in force for a year; also sent live when head
// office imports one), Error. Since version 6 the policy library's files: FetchFile / FileManifest, FetchChunks /
// FileChunk (a window of chunks), PutFile / FileWanted and FileChunk / FileWanted (an upload), any of them answered
// FileRefused instead, which does not end the session.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/change.h"
#include "dsptsync/crypto.h"
#include "dsptsync/error.h"
#include "dsptsync/file_store.h"
#include "dsptsync/permissions.h"
#include "dsptsync/question_set.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace dsptsync::protocol {

// The version this build speaks, and the oldest it still accepts (docs/protocol.md: version log).
inline constexpr std::uint8_t kProtocolVersion = 6;
inline constexpr std::uint8_t kOldestProtocolVersion = 6;
// The first version with the policy library's file messages: a session of an older version never
// sends them, and is never sent them.
inline constexpr std::uint8_t kFilesProtocolVersion = 6;

enum class FrameKind : std::uint8_t { hello = 1, welcome = 2, sealed = 3 };

// Every error the server sends, and what a client does about it.
enum class ErrorCode : std::uint16_t {
  bad_frame = 1,            // could not be decoded: a bug or an attack; the session ends
  frame_too_large = 2,      // over limits::kMaxFrameBytes; the session ends
  unsupported_version = 3,  // upgrade the client
  handshake_failed = 4,     // a signature or key did not check out
  unknown_device = 10,      // not enrolled here (or the server's data was replaced): enrol again
  device_revoked = 11,      // the device or its user was revoked: ask HQ
  enrolment_code_invalid = 12,
  enrolment_code_expired = 13,
  enrolment_code_used = 14,
  forbidden = 20,           // the role or branch may not make this change; nothing was applied
  invalid_change = 21,      // a change broke a rule (unknown item, bad value); nothing was applied
  out_of_order = 22,        // a change's parent was never sent: resend from the first unacknowledged
  server_busy = 30,         // try again after a back-off
  shutting_down = 31,       // the server is stopping: reconnect after a back-off
  internal = 40,            // a server bug: try again later
};
std::string_view to_string(ErrorCode code);
bool error_code_in_range(ErrorCode code);

enum class ClientAction {
  retry,       // reconnect after a back-off and carry on
  reenrol,     // this device cannot sync until it is enrolled again
  stop,        // tell the user; retrying will not help (revoked, forbidden change, old client)
};
ClientAction action_for(ErrorCode code);
std::string_view to_string(ClientAction action);

// The role travels in Ready and in invites; what it allows is permissions.h's.
using Role = dsptsync::Role;
using dsptsync::parse_role;
using dsptsync::role_in_range;
using dsptsync::to_string;

using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;
using Nonce32 = std::array<std::uint8_t, 32>;

struct Hello {
  std::uint8_t version = kProtocolVersion;
  PublicKey client_ephemeral{};
  Nonce32 client_nonce{};
};

struct Welcome {
  std::uint8_t version = kProtocolVersion;
  PublicKey server_ephemeral{};
  PublicKey server_identity{};  // Ed25519
  Signature signature{};        // by server_identity over transcript(hello, welcome-without-signature)
};

struct Authenticate {
  std::string device_id;
  Signature signature{};  // by the device key over "dsptsync auth v1" || transcript
};

struct Enrol {
  std::string invite_id;
  std::string secret;
  std::string device_id;
  PublicKey device_key{};
  std::string device_name;  // host name, to tell a user's devices apart
  Signature signature{};    // by device_key over "dsptsync enrol v1" || transcript
};

// A site's publication, as its devices learn of it (the branch's own; every site's for head office).
struct PublishedStatus {
  std::int64_t publication_id = 0;
  std::string ods;
  std::string year;           // "2021-22"
  std::string status;         // approaching | met | exceeded
  std::string public_status;  // "21/22 Standards Met"
  std::int64_t published_at_ms = 0;
  friend bool operator==(const PublishedStatus&, const PublishedStatus&) = default;
};

struct Ready {
  std::string user;
  Role role = Role::viewer;
  std::string branch;        // the site (V code) this device writes; empty for head office devices
  std::string hq_code;       // the organisation's HQ code: the scope of shared data
  std::string organisation;  // name
  std::string year;          // current assessment year
  std::int64_t head_seq = 0; // the newest change in the server's log
  std::int64_t server_time_ms = 0;
  // Changes when the server's log is restored from a backup: a client that sees a new epoch sends
  // all its own changes again and reads the log from the start, so nothing acknowledged after the
  // backup is lost and no new change is missed.
  std::string log_epoch;
  // The server's log position when the organisation moved to `year` (0: it started there). A
  // device that is still on an earlier year carries its own edits accepted after it (made offline
  // while head office rolled forward) into the new year, so none is left behind.
  std::int64_t year_started_seq = 0;
  std::vector<PublishedStatus> published;  // oldest first
  // The question set in force for every year head office holds one (version 3): a device fetches
  // each one it does not hold, checks head office's signature and keeps it.
  std::vector<QuestionSetSummary> question_sets;
};

struct Push {
  std::uint64_t batch = 0;       // client's own batch number, echoed in the Ack
  std::vector<Change> changes;   // in the order they were made
  // By the device key over push_digest(device id, changes); or all zeros (unsigned()): the push is
  // covered by the session's next SignPushes instead (version 5).
  Signature signature{};
};

// The device's one signature over every unsigned push it sent on this session since its last
// SignPushes (version 5): cover_digest of their push digests, in the order sent. No reply.
struct SignPushes {
  std::uint32_t pushes = 0;  // how many pushes it covers, so a mismatch is named, not just refused
  Signature signature{};
};

struct Ack {
  std::uint64_t batch = 0;
  std::vector<std::int64_t> server_seqs;  // one per change of the batch, same order (duplicates: their seq)
};

struct Pull {
  std::int64_t after_seq = 0;  // cursor: the last server seq this client has
  std::uint32_t max_changes = 0;
};

struct SequencedChange {
  std::int64_t server_seq = 0;
  Change change;
};

struct Changes {
  std::vector<SequencedChange> changes;
  std::int64_t next_cursor = 0;  // pull again after this
  bool more = false;             // true: another page is waiting
  bool live = false;             // sent on its own while watching
};

struct Watch {
  std::int64_t after_seq = 0;  // send everything after this, then new changes as they happen
};

// Asks for the question set in force for a year (one Ready listed).
struct FetchQuestionSet {
  std::string year;
};

// A question set in force, signed by head office: the answer to FetchQuestionSet, or sent on its own
// (`live`) to a watching device when head office imports one.
struct QuestionSetMessage {
  QuestionSet set;
  bool live = false;
};

struct ErrorMessage {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::uint64_t batch = 0;  // the push it answers, 0 if none
};

// ---- The policy library's files (version 6): a file is named by its root hash (file_store.h). ----

// Asks for a file's manifest, so every chunk can be checked as it comes.
struct FetchFile {
  files::Hash root{};
};

// The answer to FetchFile: the file's size, chunk size and the hash of every chunk.
struct FileManifest {
  files::Hash root{};
  files::Manifest manifest;
};

// Asks for `count` chunks (1 to tuning::kFileFetchWindow) from `first`; answered with that many
// FileChunk, in order, or a FileRefused.
struct FetchChunks {
  files::Hash root{};
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

// One chunk of a file: head office's answer to FetchChunks, or a laptop's upload (answered FileWanted).
struct FileChunk {
  files::Hash root{};
  std::uint32_t index = 0;
  Bytes bytes;  // at most tuning::kFileChunkBytes
};

// A laptop offers a file of its own for `scope` (its branch, or for head office any site).
struct PutFile {
  files::Hash root{};
  std::string scope;
  files::Manifest manifest;
};

// Head office's answer to PutFile and to each uploaded FileChunk: the chunk it wants next (equal to
// `chunk_count` once it holds the whole file).
struct FileWanted {
  files::Hash root{};
  std::uint32_t next_chunk = 0;
  std::uint32_t chunk_count = 0;
};

// Any file request refused: the file, why, and what a person reads. The session goes on.
struct FileRefused {
  files::Hash root{};
  ErrorCode code = ErrorCode::forbidden;
  std::string message;
};

using Message = std::variant<Authenticate, Enrol, Ready, Push, Ack, Pull, Changes, Watch, ErrorMessage,
                             FetchQuestionSet, QuestionSetMessage, SignPushes, FetchFile, FileManifest, FetchChunks,
                             FileChunk, PutFile, FileWanted, FileRefused>;
// Whether a message is one of the file messages (version 6).
bool is_file_message(const Message& message);

// Sealed-message encoding: [type: u8][cereal body]. Decoding uses the bounded decoder and the same
// checks as codec::validate for every change; leftover bytes are corruption.
Bytes encode_message(const Message& message);
Result<Message> decode_message(ByteView bytes);
std::string_view message_name(const Message& message);

// Plain frames. `version`: the session's, the Hello's version (a server answers an older laptop in
// the laptop's version).
Bytes encode_frame(FrameKind kind, ByteView body, std::uint8_t version = kProtocolVersion);
struct FrameView {
  std::uint8_t version = 0;
  FrameKind kind = FrameKind::sealed;
  ByteView body;
};
Result<FrameView> parse_frame(ByteView frame);
Bytes encode_hello(const Hello& hello);
Result<Hello> decode_hello(ByteView body);
Bytes encode_welcome(const Welcome& welcome);
Result<Welcome> decode_welcome(ByteView body);

// BLAKE2b-256 of the handshake so far: both sides sign and check the same bytes. It covers
// hello.version, the version of the Hello frame (the client's), so both sides agree on it.
std::array<std::uint8_t, 32> transcript(const Hello& hello, const Welcome& welcome);
// What a device signs with its key to authenticate (Authenticate) or to enrol (Enrol): a context
// naming the purpose, then the transcript, so a signature serves one purpose in one session only.
Bytes authentication_payload(const std::array<std::uint8_t, 32>& transcript);
Bytes enrolment_payload(const std::array<std::uint8_t, 32>& transcript);
using Digest = std::array<std::uint8_t, 32>;
// Whether a push is sent without its own signature, to be covered by a SignPushes.
bool is_unsigned(const Signature& signature);
// What a push signature covers: the device and the exact encoding of each change, in order.
// `encoded_bytes`, when given, receives the size of the changes' encodings (encoded once, here).
std::array<std::uint8_t, 32> push_digest(std::string_view device_id, const std::vector<Change>& changes,
                                         std::size_t* encoded_bytes = nullptr);
// What a SignPushes signature covers: the device, then each covered push's push_digest, in order.
Digest cover_digest(std::string_view device_id, const std::vector<Digest>& push_digests);

// The sending side of a session: seals message after message, each with the next counter as its
// nonce. A value, so it can be lent to another thread (see SessionCipher::lend_sender).
class FrameSealer {
 public:
  FrameSealer() = default;
  explicit FrameSealer(crypto::SecretKey key) : key_(std::move(key)) {}
  Bytes seal(ByteView plaintext);
  // The whole sealed frame of an encoded message: encode_frame(sealed, seal(message), version),
  // sealed in place, with no copy of the ciphertext.
  Bytes seal_frame(ByteView encoded_message, std::uint8_t version);

 private:
  crypto::SecretKey key_;
  std::uint64_t sent_ = 0;
};

// One side of an established session: seals outgoing and opens incoming messages in order.
class SessionCipher {
 public:
  // `client` says which side this is; the keys come from crypto_kx over the ephemeral keys.
  static Result<SessionCipher> establish(bool client, const std::array<std::uint8_t, 32>& own_public,
                                         const std::array<std::uint8_t, 32>& own_secret,
                                         const std::array<std::uint8_t, 32>& peer_public);
  Bytes seal(ByteView plaintext) { return sender().seal(plaintext); }
  Bytes seal_frame(ByteView encoded_message, std::uint8_t version) {
    return sender().seal_frame(encoded_message, version);
  }
  Result<Bytes> open(ByteView sealed);

  // Lends the sending side to another thread, which seals the next frames (head office's file server
  // seals a window of chunks off the I/O thread). Until take_back returns it, with its counter past
  // what was sealed meanwhile, this cipher seals nothing: frames must be sent in counter order.
  FrameSealer lend_sender();
  void take_back(FrameSealer sender);
  bool lent() const { return !sender_.has_value(); }

 private:
  FrameSealer& sender();

  std::optional<FrameSealer> sender_;
  crypto::SecretKey receive_key_;
  std::uint64_t received_ = 0;
};

struct EphemeralKeys {
  std::array<std::uint8_t, 32> public_key{};
  std::array<std::uint8_t, 32> secret_key{};
  static EphemeralKeys generate();
};

// Enrolment codes: "<invite id>-<secret>-<server fingerprint>", all lower-case hex, e.g.
// "3f9a01c2-8d41e7b09c5a2f6e1d3b-5aa1c9e07f3b2d18": an 8-character invite id, an 80-bit secret
// (stored on the server only as a hash) and the first 8 bytes of the server identity key, which
// the client checks in the handshake before it sends the secret.
struct EnrolmentCode {
  std::string invite_id;
  std::string secret;
  std::string server_fingerprint;  // first 8 bytes of the server identity key, hex
};
std::string format_enrolment_code(const EnrolmentCode& code);
Result<EnrolmentCode> parse_enrolment_code(std::string_view text);
std::string fingerprint(const PublicKey& server_identity);

}  // namespace dsptsync::protocol
