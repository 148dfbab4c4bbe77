// What both command lines take for the policy library (`dsptsync-server doc`, `dsptsync doc`),
// declared once so names and help cannot drift (docs/cli.md), and reading a file handed in.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/document.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace dsptsync::cli {

class DocumentOptions {
 public:
  // --title, --kind, --owner, --review (a date; "" clears it) and --item (repeatable; "" clears).
  // `required`: --title and --kind must be given (a new document).
  void add_to(CLI::App* command, bool required);
  DocumentInput input() const;

 private:
  std::string title_, kind_, owner_, review_;
  std::vector<std::string> items_;
  CLI::Option *title_option_ = nullptr, *kind_option_ = nullptr, *owner_option_ = nullptr, *review_option_ = nullptr,
              *items_option_ = nullptr;
};

// A file for the library: refused for its size before a byte is read (limits::kMaxFileBytes), and
// named by its last path part, as the person's computer had it.
struct FileHandedIn {
  std::string name;
  Bytes content;
};
Result<FileHandedIn> read_document_file(const std::string& path);

}  // namespace dsptsync::cli
