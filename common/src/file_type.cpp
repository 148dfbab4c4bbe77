// What a file of the policy library is (file_store.h): told by its content, with libzip opening the
// zip-based formats from memory, bounded as the workbook reader is (xlsx_reader.cpp); and what names
// a file may be kept under.
#include "dsptsync/file_store.h"

#include "dsptsync/limits.h"
#include "dsptsync/text.h"

#include <zip.h>

#include <array>
#include <memory>

namespace dsptsync::files {
namespace {

struct Kind {
  FileType type;
  std::string_view name;
  std::string_view media_type;
  std::string_view extension;
};

constexpr std::array<Kind, 7> kKinds = {{
    {FileType::pdf, "pdf", "application/pdf", ".pdf"},
    {FileType::docx, "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
    {FileType::xlsx, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
    {FileType::odt, "odt", "application/vnd.oasis.opendocument.text", ".odt"},
    {FileType::png, "png", "image/png", ".png"},
    {FileType::jpeg, "jpeg", "image/jpeg", ".jpg"},
    {FileType::txt, "txt", "text/plain; charset=utf-8", ".txt"},
}};

constexpr std::string_view kKindsAccepted =
    "the library takes PDF, Word (.docx), Excel (.xlsx), OpenDocument text (.odt), PNG, JPEG and plain UTF-8 "
    "text files";

const Kind& kind_of(FileType type) {
  for (const auto& kind : kKinds)
    if (kind.type == type) return kind;
  return kKinds.back();
}

// ---- zip-based documents ----

// Parts read to tell a package's type are a few kilobytes; anything larger is not a document here.
constexpr std::size_t kMaxDeclarationBytes = 256 * 1024;

class ZipPackage {
 public:
  static std::optional<ZipPackage> open(ByteView bytes) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    zip_t* archive = source ? zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error) : nullptr;
    if (source && !archive) zip_source_free(source);
    zip_error_fini(&error);
    if (!archive) return std::nullopt;
    ZipPackage package;
    package.archive_.reset(archive);
    const zip_int64_t entries = zip_get_num_entries(archive, 0);
    if (entries <= 0 || static_cast<std::size_t>(entries) > limits::kMaxWorkbookEntries) return std::nullopt;
    return package;
  }

  std::string first_entry_name() const {
    const char* name = zip_get_name(archive_.get(), 0, ZIP_FL_ENC_RAW);
    return name ? name : "";
  }

  // The inflated part, counted while inflating (declared sizes can lie); nothing when absent,
  // encrypted, or larger than a declaration can be.
  std::optional<std::string> read(const char* name) const {
    const zip_int64_t index = zip_name_locate(archive_.get(), name, 0);
    if (index < 0) return std::nullopt;
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive_.get(), static_cast<zip_uint64_t>(index), 0, &stat) != 0) return std::nullopt;
    if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE) return std::nullopt;
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(
        zip_fopen_index(archive_.get(), static_cast<zip_uint64_t>(index), 0), zip_fclose);
    if (!file) return std::nullopt;
    std::string text;
    char buffer[16 * 1024];
    for (zip_int64_t got; (got = zip_fread(file.get(), buffer, sizeof buffer)) != 0;) {
      if (got < 0 || text.size() + static_cast<std::size_t>(got) > kMaxDeclarationBytes) return std::nullopt;
      text.append(buffer, static_cast<std::size_t>(got));
    }
    return text;
  }

 private:
  struct Closer {
    void operator()(zip_t* archive) const { zip_discard(archive); }
  };
  std::unique_ptr<zip_t, Closer> archive_;
};

// An Office Open XML package names the type of its main part in [Content_Types].xml; a macro-enabled
// document (.docm, .xlsm) declares another type and is not taken.
std::optional<FileType> office_type(const ZipPackage& package) {
  auto types = package.read("[Content_Types].xml");
  if (!types) return std::nullopt;
  auto declares = [&](std::string_view type) {
    return types->find("ContentType=\"" + std::string(type) + "\"") != std::string::npos;
  };
  if (declares("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"))
    return FileType::docx;
  if (declares("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")) return FileType::xlsx;
  return std::nullopt;
}

// An OpenDocument package starts with an entry `mimetype` holding its type, stored uncompressed.
std::optional<FileType> open_document_type(const ZipPackage& package) {
  if (package.first_entry_name() != "mimetype") return std::nullopt;
  auto type = package.read("mimetype");
  if (type && *type == kind_of(FileType::odt).media_type) return FileType::odt;
  return std::nullopt;
}

std::optional<FileType> zip_type(ByteView content) {
  auto package = ZipPackage::open(content);
  if (!package) return std::nullopt;
  if (auto type = open_document_type(*package)) return type;
  return office_type(*package);
}

// ---- text ----

// Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80                    ? 1
                               : lead >= 0xC2 && lead <= 0xDF ? 2
                               : lead >= 0xE0 && lead <= 0xEF ? 3
                               : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                              : 0;
    if (length == 0 || i + length > text.size()) return false;
    std::uint32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

// C0 controls, DEL and the C1 controls (U+0080 to U+009F, C2 80 to C2 9F in UTF-8).
bool has_control(std::string_view text, std::string_view allowed) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const bool c0 = byte < 0x20 || byte == 0x7F;
    if (c0 && allowed.find(text[i]) == std::string_view::npos) return true;
    if (byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F) return true;
  }
  return false;
}

std::string_view without_bom(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text;
}

// HTML, SVG or XML: text too, but opened in a browser markup can run scripts, so it is not taken.
bool markup(std::string_view text) { return trimmed(without_bom(text)).starts_with('<'); }

bool plain_text(std::string_view text) {
  const std::string_view body = without_bom(text);
  return valid_utf8(body) && !has_control(body, "\t\r\n") && !markup(body);
}

std::optional<FileType> content_type(ByteView content) {
  const std::string_view text = as_text(content);
  if (text.starts_with("%PDF-")) return FileType::pdf;
  if (text.starts_with("\x89PNG\r\n\x1A\n")) return FileType::png;
  if (text.starts_with("\xFF\xD8\xFF")) return FileType::jpeg;
  if (text.starts_with("PK\x03\x04")) return zip_type(content);
  if (plain_text(text)) return FileType::txt;
  return std::nullopt;
}

// The kind a name's extension says, if it says one of ours.
std::optional<FileType> named_type(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string extension = lowercase(name.substr(dot));
  if (extension == ".jpeg") return FileType::jpeg;
  for (const auto& kind : kKinds)
    if (kind.extension == extension) return kind.type;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(FileType type) { return kind_of(type).name; }
std::string_view media_type(FileType type) { return kind_of(type).media_type; }
std::string_view extension(FileType type) { return kind_of(type).extension; }

Result<FileType> parse_file_type(std::string_view text) {
  for (const auto& kind : kKinds)
    if (kind.name == text) return kind.type;
  return invalid_input("'" + std::string(text.substr(0, 40)) +
                       "' is not a kind of file: use pdf, docx, xlsx, odt, png, jpeg or txt");
}

Result<FileType> sniff_type(ByteView content, std::string_view name) {
  if (content.empty()) return invalid_input("the file is empty: there is nothing to keep");
  auto type = content_type(content);
  if (!type && markup(as_text(content)))
    return invalid_input("this file is a web page or markup (HTML, SVG or XML), which is not taken: " +
                         std::string(kKindsAccepted) + "; save it as PDF first");
  if (!type) return invalid_input("this file is none of the kinds: " + std::string(kKindsAccepted));
  auto named = named_type(name);
  if (named && *named != *type)
    return invalid_input("the file is named '" + std::string(name) + "' but is a " + std::string(to_string(*type)) +
                         " file: rename it to end in " + std::string(extension(*type)) + ", or choose the right file");
  return *type;
}

Result<std::string> check_file_name(std::string_view name) {
  const std::string_view kept = trimmed(name);
  if (kept.empty()) return invalid_input("the file name is empty");
  if (kept.size() > limits::kMaxFileNameBytes)
    return invalid_input("the file name is " + std::to_string(kept.size()) + " bytes, more than the " +
                         std::to_string(limits::kMaxFileNameBytes) + " a file name may be");
  if (!valid_utf8(kept)) return invalid_input("the file name is not UTF-8 text");
  if (kept.find_first_of("/\\") != std::string_view::npos)
    return invalid_input("the file name '" + std::string(kept) +
                         "' has a '/' or '\\': give the name alone, "
                         "without a folder");
  if (has_control(kept, "")) return invalid_input("the file name has a control character (a tab or line break)");
  if (kept == "." || kept == "..") return invalid_input("'" + std::string(kept) + "' is not a file name");
  return std::string(kept);
}

}  // namespace dsptsync::files
