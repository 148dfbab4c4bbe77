// The policy library's files over a sync session (docs/protocol.md: files): a laptop fetches the files
// its documents refer to and uploads its own, chunk by chunk, each chunk checked against the file's
// manifest as it arrives (FileStore::add_chunk). A broken transfer resumes at the next chunk, not from
// the start; a refused file is reported and the others go on.
#pragma once

#include "dsptsync/client/connection.h"
#include "dsptsync/file_store.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dsptsync::client {

// How far one file has come, for a person waiting (the CLI prints it).
struct FileTransferProgress {
  files::LibraryFile file;
  bool upload = false;
  std::uint64_t done = 0;   // bytes this laptop holds (a fetch) or head office holds (an upload)
  std::uint64_t total = 0;  // the file's size
};
using FileProgressCallback = std::function<void(const FileTransferProgress&)>;

// A file head office refused (or sent wrong): the rest of the transfer went on without it.
struct RefusedFile {
  files::LibraryFile file;
  bool upload = false;
  std::string code;  // the protocol's error code ("forbidden"), or "corrupt" for a chunk that did not match
  std::string message;
};

struct FileTransferSummary {
  std::size_t fetched = 0;   // files now held whole here that were not before
  std::size_t uploaded = 0;  // files head office now holds whole from this laptop
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::vector<RefusedFile> refused;
  // The files of `own` head office now holds whole (sent now or held already): not offered again.
  std::vector<files::Hash> held_by_head_office;
  // Set by sync when the connection failed while files moved: what arrived is kept, and the next sync
  // resumes each file at its next chunk. The answers were synced before.
  std::string interrupted;
};

// Fetches every file of `wanted` this laptop does not hold whole into `store`, each for its scope,
// resuming where FileStore::progress says, with tuning::kFileFetchWindow chunks in flight.
Result<FileTransferSummary> fetch_files(Connection& connection, files::FileStore& store,
                                        const std::vector<files::LibraryFile>& wanted,
                                        const FileProgressCallback& progress = {});
// Offers head office each of `own` (held whole in `store`) for its scope, and sends the chunks it
// wants from the one it names, a window at a time.
Result<FileTransferSummary> upload_files(Connection& connection, files::FileStore& store,
                                         const std::vector<files::LibraryFile>& own,
                                         const FileProgressCallback& progress = {});

// The same, adding to `summary` as they go, so a caller keeps what was done before a failure.
Status fetch_files_into(Connection& connection, files::FileStore& store, const std::vector<files::LibraryFile>& wanted,
                        const FileProgressCallback& progress, FileTransferSummary& summary);
Status upload_files_into(Connection& connection, files::FileStore& store, const std::vector<files::LibraryFile>& own,
                         const FileProgressCallback& progress, FileTransferSummary& summary);

}  // namespace dsptsync::client
