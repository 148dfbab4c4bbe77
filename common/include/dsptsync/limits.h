// The size limits of dsptsync's records: the one place they are set.
//
// They exist so a record from the network or the disk can be refused for its size before anything
// trusts it, and so a frame size can be worked out from them (codec.h derives the largest encoded
// change from these). Each value is generous for real DSPT data and small enough that a hostile
// peer cannot make a replica hold much more than a few megabytes per record. Changing one changes
// what older builds accept: raise limits only together with kRecordFormatVersion (codec.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace dsptsync::limits {

// Change ids ("<device id>:<counter>"), their parents, device ids and head change ids. A device id is
// 16 random bytes as hex (32 characters) and a counter at most 20 digits, so a real id is under 60
// bytes; 128 leaves room for a longer device id format without letting ids carry payloads.
inline constexpr std::size_t kMaxIdBytes = 128;

// Each string of a FieldKey: scope (an ODS code, 3 to 10 characters), year ("2021-22"), and target
// (an item or assertion id such as "1.1.1", or a profile entry name). The longest real one is a
// profile entry name of a few dozen characters.
inline constexpr std::size_t kMaxKeyPartBytes = 128;

// The text of a field value: an answer, a comment, an improvement action. The toolkit's own comment
// boxes take a few thousand characters; 64 KiB holds a pasted policy extract while keeping one
// change, and a field state of kMaxHeads heads, to a few megabytes.
inline constexpr std::size_t kMaxValueBytes = 64 * 1024;

// Where a document is kept: a path or a link. 4 KiB is Linux's PATH_MAX and above the URL length
// browsers and SharePoint accept.
inline constexpr std::size_t kMaxLocationBytes = 4 * 1024;

// The display name of the user who made a change, as enrolled.
inline constexpr std::size_t kMaxUserBytes = 256;

// Parents of one change: the heads the editor saw. More than a handful means many devices edited the
// same field offline at once; 64 covers every branch of a large group editing one field concurrently.
inline constexpr std::size_t kMaxParents = 64;

// Heads of one field state: concurrent values still open as a conflict. Bounded for the same reason
// as parents (a change can merge at most kMaxParents heads, so states beyond this could not be
// resolved by one edit).
inline constexpr std::size_t kMaxHeads = 64;

}  // namespace dsptsync::limits

namespace dsptsync::limits {

// ---- Sync protocol (docs/protocol.md) ----

// The largest frame either side accepts, enforced by the WebSocket layer before a frame is read
// into memory and again before it is decoded. A push of kMaxChangesPerPush changes at the sizes
// above could exceed it, so clients also cut batches by kMaxPushBytes; one change at its largest
// (kMaxValueBytes + kMaxLocationBytes + 64 parents) is under 80 KiB.
inline constexpr std::size_t kMaxFrameBytes = 2 * 1024 * 1024;

// Changes in one message (a push batch or a pull page). A page this size of typical answers is
// well under a megabyte; larger histories arrive in more pages.
inline constexpr std::size_t kMaxChangesPerMessage = 1000;

// How a client cuts its queue into pushes: at most this many changes, and at most this many
// encoded bytes, so a push always fits kMaxFrameBytes.
inline constexpr std::size_t kMaxChangesPerPush = 500;

// Unsigned pushes (protocol version 5) a session may send before a SignPushes covers them. A device
// signs far sooner (tuning::kSignPushesEvery); this bounds what head office holds per connection
// (32 bytes a push) and how much a device's word rests on the session alone.
inline constexpr std::size_t kMaxUnsignedPushes = 1024;
inline constexpr std::size_t kMaxPushBytes = 1024 * 1024;

// A pull page the server sends when the client asks for more than this or for 0. As large as a
// message allows: each page is one round trip and one durable commit on the laptop, which bound a
// first sync (docs/performance.md: 50,000 changes).
inline constexpr std::size_t kPullPageChanges = kMaxChangesPerMessage;

// Pull pages a client applies in one transaction. Its received changes are acknowledged to no one,
// so committing less often loses nothing (after a crash the cursor, committed with them, says what
// to pull again); a first sync of 50,000 changes then pays for 7 durable commits instead of 50.
// 8 pages are at most 8,000 changes and a few megabytes held by one transaction.
inline constexpr std::size_t kPullPagesPerCommit = 8;

// The encoded changes of one page (pull, watch catch-up or live) stop at this many bytes, always
// carrying at least one change: with kMaxFrameBytes of 2 MiB and a change of at most ~80 KiB, a
// page can never outgrow a frame, however long the answers in it.
inline constexpr std::size_t kMaxPageBytes = 1024 * 1024;

// Strings in protocol messages that are not change fields: user and organisation names, device
// names, error messages, enrolment parts.
inline constexpr std::size_t kMaxNameBytes = 256;
inline constexpr std::size_t kMaxErrorMessageBytes = 4096;

// ---- Question sets (docs/catalogue.md, protocol.md) ----

// A question set written out in dsptsync's format: the 2023-24 set with its tooltips is about 30 KiB
// and the official list has some 45 items; 1 MiB leaves room for long guidance while a signed set
// always travels in one frame (kMaxFrameBytes) and an import is refused before it grows further.
inline constexpr std::size_t kMaxQuestionSetBytes = 1024 * 1024;
// Items of one set, and so the answer-type changes it can record: ten times the official list.
inline constexpr std::size_t kMaxQuestionSetItems = 500;
// Years whose set in force one Ready lists (every year head office holds a set for): decades.
inline constexpr std::size_t kMaxQuestionSetsPerReady = 64;

}  // namespace dsptsync::limits

namespace dsptsync::limits {

// ---- Server tuning (server/src) ----

// The most pushes folded into one transaction (group commit): bounds the latency of the first
// push of a group while still letting hundreds of clients share one durable COMMIT.
inline constexpr std::size_t kMaxPushesPerCommit = 256;

// The encoded bytes of pushes one group commit takes, as well as at most kMaxPushesPerCommit: what
// one commit sends a watcher is then at most this and the push that crossed it, which always fits
// a watcher's outgoing queue (kMaxQueuedBytesPerConnection), so one busy moment never cuts off a
// watcher that reads. Four of the largest pushes, or a few hundred ordinary ones, share a commit.
inline constexpr std::size_t kMaxPushBytesPerCommit = 4 * 1024 * 1024;

// Pushes waiting for the storage thread, in the memory they hold: their encoded changes and each
// decoded Change (a small change decodes to several times its encoding). While it is spent the
// server reads nothing more from a connection that sends (TCP then holds the laptop back) until
// commits make room: memory stays bounded and no push is refused or dropped. Two group commits'
// worth keeps the storage thread busy while senders wait (the next commit is ready when one ends).
inline constexpr std::size_t kMaxQueuedPushBytes = 2 * kMaxPushBytesPerCommit;

// Requests waiting for the storage thread before new pushes and pulls are answered server_busy
// (the client backs off and retries): however small the requests, their number is bounded too.
inline constexpr std::size_t kMaxQueuedRequests = 20000;

// Bytes (sealed frames) waiting to go out to one client before it counts as too slow: it is told
// so and disconnected, and reconnects to catch up from its cursor, so nothing is lost. One group
// commit's changes and a page always fit (see kMaxPushBytesPerCommit). A watcher catching up is
// sent its next page only once less than half of this waits, so a slow line is paced, not cut off.
inline constexpr std::size_t kMaxQueuedBytesPerConnection = kMaxPushBytesPerCommit + 2 * kMaxFrameBytes;

// A connection's read buffer is given back after a frame larger than this: a hundred laptops that
// each pushed 1 MiB once must not keep 100 MiB of buffers. Ordinary frames are far smaller.
inline constexpr std::size_t kMaxKeptReadBufferBytes = 64 * 1024;

// How far ahead of the server's clock a change's time may be. Laptop clocks drift by minutes; a
// change from days ahead is a wrong clock (or a device trying to win every conflict) and is refused.
inline constexpr std::int64_t kMaxClockAheadMs = 24LL * 60 * 60 * 1000;

// Publications listed in one Ready message: a device needs its latest status, and a few years of
// history is plenty; the cap keeps the message far below kMaxFrameBytes however long the history.
inline constexpr std::size_t kMaxPublishedStatusesPerReady = 200;

// The most of its own late edits a device carries when it follows head office to a new year
// (edits made offline while head office rolled forward): far more than anyone types offline.
inline constexpr std::size_t kMaxLateEditsCarried = 100000;

// Every HTTP request on the sync port (a WebSocket upgrade, the public status look-up, the web
// app): headers beyond this are refused (431) before they are buffered (and a request whose headers
// do not arrive within tuning::kHttpRequestTimeout is dropped). 8 KiB is
// what common servers take by default; an upgrade, a look-up or a page needs well under that. A body
// is read only for the web app's API, up to kMaxWebRequestBodyBytes.
inline constexpr std::size_t kMaxHttpHeaderBytes = 8 * 1024;

// Plain HTTP requests answered on one kept-alive connection before the server closes it: enough for
// a monitoring check or a page's few look-ups, while no one connection is held forever.
inline constexpr std::size_t kMaxHttpRequestsPerConnection = 100;

}  // namespace dsptsync::limits

namespace dsptsync::limits {

// ---- The web app (web/, docs/api.md) ----

// A request body of the JSON API: an answer of kMaxValueBytes with its location and comment fits
// well inside; anything larger is refused (413) before it is read into memory.
inline constexpr std::size_t kMaxWebRequestBodyBytes = 4 * kMaxValueBytes;

// A signed-in session ends after this long without a request, and after kWebSessionMaxMinutes in
// all, as NHS services sign people out: a laptop left open in a care office is not an open door.
inline constexpr int kWebSessionIdleMinutes = 30;
inline constexpr int kWebSessionMaxMinutes = 12 * 60;
// Sessions held at once: sign-ins beyond it push out the oldest, so a flood of sign-ins cannot
// grow the server's memory.
inline constexpr std::size_t kMaxWebSessions = 10000;

// The one-time link `dsptsync ui` prints is good for this long.
inline constexpr int kSignInLinkMinutes = 10;

// A set-password link head office gives a colleague (`dsptsync-server user link`, the People page)
// is good for this long, and once: three days covers a weekend between sending it and opening it.
// Its token is this many random bytes (256 bits: never guessed, so a wrong token needs no lockout).
inline constexpr int kPasswordLinkHours = 72;
inline constexpr std::size_t kPasswordLinkTokenBytes = 32;

// A password set with `dsptsync-server user passwd`: at least this long (NCSC: length over
// complexity rules), and at most kMaxPasswordBytes so hashing cannot be made to work on megabytes.
inline constexpr std::size_t kMinPasswordChars = 10;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

}  // namespace dsptsync::limits

namespace dsptsync::limits {

// ---- The official list of evidence items (docs/catalogue.md) ----

// NHS England's spreadsheet as a file (.xlsx or CSV): the real workbook for several categories is
// well under 1 MiB; 16 MiB leaves room for a copy saved with pictures or styles, and is refused
// before any of it is parsed.
inline constexpr std::size_t kMaxOfficialListBytes = 16 * 1024 * 1024;

// Files inside an .xlsx (a zip): a real workbook has a few dozen (sheets, styles, relationships,
// properties). A zip of thousands of entries is made to exhaust the reader, not to be read.
inline constexpr std::size_t kMaxWorkbookEntries = 1000;

// Bytes one part of a workbook may inflate to, and all parts read together: counted while
// inflating, since a zip's declared sizes can lie (a "zip bomb" inflates a few kilobytes to
// gigabytes). The NHS list's largest part, its sheet or its shared strings, is under 2 MiB.
inline constexpr std::size_t kMaxWorkbookPartBytes = 32 * 1024 * 1024;
inline constexpr std::size_t kMaxWorkbookInflatedBytes = 64 * 1024 * 1024;

// Cells of a sheet: columns with a value (the list has a few dozen: several categories' text,
// tool tips and flags) and rows with a value (a few hundred), and distinct strings in the workbook.
inline constexpr std::size_t kMaxSheetColumns = 512;
inline constexpr std::size_t kMaxSheetRows = 20000;
inline constexpr std::size_t kMaxSharedStrings = 500000;

}  // namespace dsptsync::limits

namespace dsptsync::limits {

// ---- The policy library (docs/documents.md) ----

// One version of a document: a policy of a few hundred pages with pictures is under 10 MiB; 25 MiB
// is what the DSPT's own upload accepts, and a file is refused for its size before it is read.
inline constexpr std::size_t kMaxFileBytes = 25 * 1024 * 1024;
// A file's name as people gave it, without any folder: NTFS and ext4 allow 255 bytes.
inline constexpr std::size_t kMaxFileNameBytes = 255;
// What an organisation's library may hold in all, unless head office sets its own quota: every
// version of every document, each distinct file counted once. A group of 200 branches keeping a
// dozen policies in a few versions and some evidence photos each stays under 2 GiB.
inline constexpr std::uint64_t kDefaultFileQuotaBytes = 8ULL * 1024 * 1024 * 1024;
// The quota head office may set (`dsptsync-server doc quota --set`): at least one file of the largest
// size, and at most 1 TiB, well beyond what a care group's library holds.
inline constexpr std::uint64_t kMinFileQuotaBytes = kMaxFileBytes;
inline constexpr std::uint64_t kMaxFileQuotaBytes = 1024ULL * 1024 * 1024 * 1024;

}  // namespace dsptsync::limits
