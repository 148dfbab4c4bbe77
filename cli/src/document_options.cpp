#include "dsptsync/cli/document_options.h"

#include "dsptsync/limits.h"
#include "dsptsync/platform.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace dsptsync::cli {

void DocumentOptions::add_to(CLI::App* command, bool required) {
  title_option_ = command->add_option("--title", title_, "the document's title, e.g. \"Data protection policy\"");
  kind_option_ = command->add_option("--kind", kind_, "policy, procedure, plan, template or evidence");
  owner_option_ = command->add_option("--owner", owner_, "who keeps it up to date");
  review_option_ = command->add_option("--review", review_, "when it is next reviewed (2027-03-31 or 31/03/2027)");
  items_option_ = command->add_option("--item", items_, "an evidence item it answers, e.g. 1.3.1 (repeat for more)");
  if (required) {
    title_option_->required();
    kind_option_->required();
  }
}

DocumentInput DocumentOptions::input() const {
  DocumentInput input;
  if (title_option_->count()) input.title = title_;
  if (kind_option_->count()) input.kind = kind_;
  if (owner_option_->count()) input.owner = owner_;
  if (review_option_->count()) input.review_by = review_;
  if (items_option_->count()) {
    std::vector<std::string> items;
    for (const auto& item : items_)
      if (!item.empty()) items.push_back(item);
    input.items = items;
  }
  return input;
}

Result<FileHandedIn> read_document_file(const std::string& path) {
  const auto file = platform::path_from_utf8(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return io_error("cannot read " + path + ": it is not a file");
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return io_error("cannot read " + path + ": " + ec.message());
  if (size > limits::kMaxFileBytes)
    return invalid_input(path + " is " + std::to_string(size / (1024 * 1024)) +
                         " MiB; the library takes files of at most " +
                         std::to_string(limits::kMaxFileBytes / (1024 * 1024)) + " MiB");
  std::ifstream in(file, std::ios::binary);
  if (!in) return io_error("cannot read " + path);
  Bytes content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return FileHandedIn{platform::utf8_of(file.filename()), std::move(content)};
}

}  // namespace dsptsync::cli
