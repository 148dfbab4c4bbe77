// Reads an .xlsx workbook's cell text: libzip opens the container from memory, expat parses each
// part (xlsx.h). Every size is checked against limits.h while reading, never trusted from the file:
// a zip's declared sizes can lie, so inflating stops at the limit, not at the declared end.
#include "dsptsync/xlsx.h"

#include "dsptsync/limits.h"

#include <expat.h>
#include <zip.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace dsptsync::xlsx {
namespace {

constexpr std::string_view kDownloadAgain =
    "download the list again from NHS England, or open it in Excel and save it again as an Excel Workbook "
    "(.xlsx)";

Error damaged(const std::string& what) {
  return invalid_input("the workbook is damaged or not an Excel workbook: " + what + "; " +
                       std::string(kDownloadAgain));
}

std::string mib(std::size_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; }

// ---- the zip container ----

class Archive {
 public:
  static Result<Archive> open(std::string_view bytes);
  // The inflated bytes of a part; nothing when the workbook has no such part.
  Result<std::optional<std::string>> read(const std::string& name);

 private:
  struct Closer {
    void operator()(zip_t* archive) const { zip_discard(archive); }
  };
  std::unique_ptr<zip_t, Closer> archive_;
  std::size_t inflated_so_far_ = 0;
};

Result<Archive> Archive::open(std::string_view bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!source) {
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return make_error(ErrorKind::internal, "libzip could not take the workbook: " + message);
  }
  zip_t* opened = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!opened) {
    zip_source_free(source);
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return damaged("its zip container could not be read (" + message + "; a download cut short looks like this)");
  }
  zip_error_fini(&error);
  Archive archive;
  archive.archive_.reset(opened);
  const zip_int64_t entries = zip_get_num_entries(opened, 0);
  if (entries < 0 || static_cast<std::size_t>(entries) > limits::kMaxWorkbookEntries)
    return invalid_input("the workbook holds " + std::to_string(entries) + " files, more than the " +
                         std::to_string(limits::kMaxWorkbookEntries) +
                         " a workbook may hold here (the NHS list has a few dozen); this is not the NHS list: " +
                         std::string(kDownloadAgain));
  return archive;
}

Result<std::optional<std::string>> Archive::read(const std::string& name) {
  const zip_int64_t index = zip_name_locate(archive_.get(), name.c_str(), 0);
  if (index < 0) return std::optional<std::string>();
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive_.get(), static_cast<zip_uint64_t>(index), 0, &stat) != 0)
    return damaged("the entry " + name + " cannot be read");
  if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE)
    return invalid_input("the workbook is protected with a password; open it in Excel, remove the password "
                         "(File, Info, Protect Workbook) and save it again");
  if ((stat.valid & ZIP_STAT_COMP_METHOD) && stat.comp_method != ZIP_CM_STORE && stat.comp_method != ZIP_CM_DEFLATE)
    return damaged("the entry " + name + " uses a compression Excel does not write");
  const std::size_t part_limit = std::min(limits::kMaxWorkbookPartBytes,
                                          limits::kMaxWorkbookInflatedBytes - inflated_so_far_);
  auto too_big = [&] {
    return invalid_input("the workbook's part " + name + " inflates past " + mib(part_limit) +
                         " (a workbook may hold at most " + mib(limits::kMaxWorkbookPartBytes) + " in a part and " +
                         mib(limits::kMaxWorkbookInflatedBytes) +
                         " in all; the NHS list holds well under 1 MiB): this is not the NHS list, or it is "
                         "damaged; " + std::string(kDownloadAgain));
  };
  if ((stat.valid & ZIP_STAT_SIZE) && stat.size > part_limit) return too_big();

  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(
      zip_fopen_index(archive_.get(), static_cast<zip_uint64_t>(index), 0), zip_fclose);
  if (!file) return damaged("the entry " + name + " cannot be opened");
  std::string text;
  char buffer[64 * 1024];
  while (true) {
    const zip_int64_t got = zip_fread(file.get(), buffer, sizeof buffer);
    if (got < 0) return damaged("the entry " + name + " does not inflate (" +
                                std::string(zip_error_strerror(zip_file_get_error(file.get()))) + ")");
    if (got == 0) break;
    // The declared size may lie: the count of bytes actually inflated is what is checked.
    if (text.size() + static_cast<std::size_t>(got) > part_limit) return too_big();
    text.append(buffer, static_cast<std::size_t>(got));
  }
  inflated_so_far_ += text.size();
  return std::optional<std::string>(std::move(text));
}

// ---- XML parts ----

struct Attribute {
  std::string_view name;  // local name, without namespace
  std::string_view value;
};

std::string_view local_name(const XML_Char* name) {
  std::string_view full(name);
  auto bar = full.rfind('|');  // XML_ParserCreateNS separator: "namespace|local"
  return bar == std::string_view::npos ? full : full.substr(bar + 1);
}

// Receives a part's elements. Text is only kept when the handler asks for it, so a part's size
// bounds what is held.
class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void start(std::string_view name, const std::vector<Attribute>& attributes) = 0;
  virtual void end(std::string_view name) = 0;
  virtual void text(std::string_view) {}
  // Set by a handler that met something it refuses; parsing stops.
  std::optional<Error> failure;
};

struct ParseState {
  XML_Parser parser = nullptr;
  XmlHandler* handler = nullptr;
  bool doctype = false;
};

void on_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto& state = *static_cast<ParseState*>(data);
  std::vector<Attribute> list;
  for (int i = 0; attributes[i]; i += 2) list.push_back({local_name(attributes[i]), attributes[i + 1]});
  state.handler->start(local_name(name), list);
  if (state.handler->failure) XML_StopParser(state.parser, XML_FALSE);
}

void on_end(void* data, const XML_Char* name) {
  auto& state = *static_cast<ParseState*>(data);
  state.handler->end(local_name(name));
  if (state.handler->failure) XML_StopParser(state.parser, XML_FALSE);
}

void on_text(void* data, const XML_Char* text, int length) {
  static_cast<ParseState*>(data)->handler->text(std::string_view(text, static_cast<std::size_t>(length)));
}

// Office Open XML parts never declare a document type; refusing one refuses entity expansion
// (the "billion laughs") and external entities at their root.
void on_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  auto& state = *static_cast<ParseState*>(data);
  state.doctype = true;
  XML_StopParser(state.parser, XML_FALSE);
}

Status parse_xml(const std::string& part, std::string_view xml, XmlHandler& handler) {
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, void (*)(XML_Parser)> parser(XML_ParserCreateNS(nullptr, '|'),
                                                                                  XML_ParserFree);
  if (!parser) return make_error(ErrorKind::internal, "expat could not start");
  ParseState state{parser.get(), &handler, false};
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_text);
  XML_SetStartDoctypeDeclHandler(parser.get(), on_doctype);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
  const auto status = XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE);
  if (handler.failure) return *handler.failure;
  if (state.doctype) return damaged("the part " + part + " declares a document type, which Excel never writes");
  if (status != XML_STATUS_OK)
    return damaged("the part " + part + " is not well-formed XML (line " +
                   std::to_string(XML_GetCurrentLineNumber(parser.get())) + ": " +
                   XML_ErrorString(XML_GetErrorCode(parser.get())) + ")");
  return {};
}

std::string_view attribute(const std::vector<Attribute>& attributes, std::string_view name) {
  for (const auto& a : attributes)
    if (a.name == name) return a.value;
  return {};
}

// _rels/.rels and xl/_rels/workbook.xml.rels: which part plays which role.
struct Relationship {
  std::string id, type, target;
};

class RelationshipsHandler : public XmlHandler {
 public:
  std::vector<Relationship> found;
  void start(std::string_view name, const std::vector<Attribute>& a) override {
    if (name == "Relationship")
      found.push_back({std::string(attribute(a, "Id")), std::string(attribute(a, "Type")),
                       std::string(attribute(a, "Target"))});
  }
  void end(std::string_view) override {}
};

// xl/workbook.xml: the sheets in tab order, each with the relationship naming its part.
class WorkbookHandler : public XmlHandler {
 public:
  std::vector<std::pair<std::string, std::string>> sheets;  // name, relationship id
  void start(std::string_view name, const std::vector<Attribute>& a) override {
    if (name == "sheet") sheets.emplace_back(std::string(attribute(a, "name")), std::string(attribute(a, "id")));
  }
  void end(std::string_view) override {}
};

// The text of a string item (<si>, or a cell's <is>): its <t>, or its rich text runs' <t>s joined;
// phonetic guides (<rPh>) are not part of the text.
class StringItemText {
 public:
  void start(std::string_view name) {
    if (name == "rPh") ++in_phonetic_;
    if (name == "t" && !in_phonetic_) in_text_ = true;
  }
  void end(std::string_view name) {
    if (name == "rPh" && in_phonetic_) --in_phonetic_;
    if (name == "t") in_text_ = false;
  }
  void text(std::string_view chars) {
    if (in_text_) value_ += chars;
  }
  std::string take() {
    in_text_ = false;
    in_phonetic_ = 0;
    return std::exchange(value_, {});
  }

 private:
  std::string value_;
  bool in_text_ = false;
  int in_phonetic_ = 0;
};

class SharedStringsHandler : public XmlHandler {
 public:
  std::vector<std::string> strings;
  void start(std::string_view name, const std::vector<Attribute>&) override {
    if (name == "si") {
      in_item_ = true;
      if (strings.size() >= limits::kMaxSharedStrings)
        failure = invalid_input("the workbook has more than " + std::to_string(limits::kMaxSharedStrings) +
                                " shared strings; this is not the NHS list: " + std::string(kDownloadAgain));
    } else if (in_item_) {
      item_.start(name);
    }
  }
  void end(std::string_view name) override {
    if (name == "si") {
      strings.push_back(item_.take());
      in_item_ = false;
    } else if (in_item_) {
      item_.end(name);
    }
  }
  void text(std::string_view chars) override {
    if (in_item_) item_.text(chars);
  }

 private:
  StringItemText item_;
  bool in_item_ = false;
};

// "B7" -> column 1; nothing when the reference is not a cell reference.
std::optional<std::size_t> column_of(std::string_view reference) {
  std::size_t column = 0, letters = 0;
  while (letters < reference.size() && reference[letters] >= 'A' && reference[letters] <= 'Z') {
    column = column * 26 + static_cast<std::size_t>(reference[letters] - 'A' + 1);
    if (++letters > 3) return std::nullopt;  // Excel stops at XFD
  }
  if (letters == 0) return std::nullopt;
  return column - 1;
}

std::optional<int> row_of(std::string_view text) {
  auto digits = text.find_first_of("0123456789");
  if (digits == std::string_view::npos) return std::nullopt;
  int value = 0;
  for (char c : text.substr(digits)) {
    if (c < '0' || c > '9' || value > 1'048'576) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

class SheetHandler : public XmlHandler {
 public:
  SheetHandler(Sheet& sheet, const std::vector<std::string>& shared) : sheet_(sheet), shared_(shared) {}

  void start(std::string_view name, const std::vector<Attribute>& a) override {
    if (name == "row") {
      auto number = row_of(attribute(a, "r"));
      row_number_ = number ? *number : row_number_ + 1;
      next_column_ = 0;
    } else if (name == "c") {
      start_cell(a);
    } else if (name == "v") {
      in_value_ = true;
    } else if (name == "is") {
      in_inline_ = true;
    } else if (in_inline_) {
      inline_.start(name);
    }
  }
  void end(std::string_view name) override {
    if (name == "c") {
      finish_cell();
    } else if (name == "v") {
      in_value_ = false;
    } else if (name == "is") {
      in_inline_ = false;
      value_ = inline_.take();
    } else if (in_inline_) {
      inline_.end(name);
    }
  }
  void text(std::string_view chars) override {
    if (in_value_) value_ += chars;
    if (in_inline_) inline_.text(chars);
  }

 private:
  void start_cell(const std::vector<Attribute>& a) {
    auto reference = attribute(a, "r");
    auto column = reference.empty() ? std::optional<std::size_t>(next_column_) : column_of(reference);
    if (!column) {
      failure = damaged("sheet '" + sheet_.name + "' has a cell named '" + std::string(reference) +
                        "', which is not a cell reference");
      return;
    }
    column_ = *column;
    next_column_ = column_ + 1;
    type_ = std::string(attribute(a, "t"));
    value_.clear();
  }

  void finish_cell();

  Sheet& sheet_;
  const std::vector<std::string>& shared_;
  int row_number_ = 0;
  std::size_t next_column_ = 0, column_ = 0;
  std::string type_, value_;
  bool in_value_ = false, in_inline_ = false;
  StringItemText inline_;
};

void SheetHandler::finish_cell() {
  std::string text;
  if (type_ == "s") {
    auto index = row_of(value_);  // a plain non-negative number
    if (!index || static_cast<std::size_t>(*index) >= shared_.size() ||
        value_.find_first_not_of("0123456789") != std::string::npos) {
      failure = damaged("sheet '" + sheet_.name + "', cell " + column_name(column_) + std::to_string(row_number_) +
                        " refers to shared string '" + value_ + "', but the workbook has " +
                        std::to_string(shared_.size()));
      return;
    }
    text = shared_[static_cast<std::size_t>(*index)];
  } else if (type_ == "b") {
    text = value_ == "1" ? "TRUE" : value_ == "0" ? "FALSE" : value_;
  } else {
    text = std::move(value_);  // inline strings, formula results (str), numbers (n) and errors (e)
  }
  value_.clear();
  if (text.empty()) return;  // formatted but empty cells are common, even far out
  if (column_ >= limits::kMaxSheetColumns) {
    failure = invalid_input("sheet '" + sheet_.name + "', cell " + column_name(column_) + std::to_string(row_number_) +
                            " has a value beyond the " + std::to_string(limits::kMaxSheetColumns) +
                            " columns a sheet may have here; delete the columns after the list's last one");
    return;
  }
  if (sheet_.rows.empty() || sheet_.rows.back().number != row_number_) {
    if (sheet_.rows.size() >= limits::kMaxSheetRows) {
      failure = invalid_input("sheet '" + sheet_.name + "' has more than " + std::to_string(limits::kMaxSheetRows) +
                              " rows with values; the NHS list has a few hundred: " + std::string(kDownloadAgain));
      return;
    }
    sheet_.rows.push_back({row_number_, {}});
  }
  auto& cells = sheet_.rows.back().cells;
  if (cells.size() <= column_) cells.resize(column_ + 1);
  cells[column_] = std::move(text);
}

// ---- the workbook ----

// A relationship target, relative to the folder of the part that names it, as a zip entry name.
std::string resolve(std::string_view folder, std::string_view target) {
  std::string path = target.starts_with('/') ? std::string(target.substr(1)) : std::string(folder) + std::string(target);
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "/") + part;
  return out;
}

std::string folder_of(const std::string& part) {
  auto slash = part.rfind('/');
  return slash == std::string::npos ? std::string() : part.substr(0, slash + 1);
}

std::string rels_of(const std::string& part) { return folder_of(part) + "_rels/" + part.substr(folder_of(part).size()) + ".rels"; }

bool type_is(const Relationship& relationship, std::string_view kind) {
  return relationship.type.ends_with("/" + std::string(kind));
}

Result<std::vector<Relationship>> relationships(Archive& archive, const std::string& part) {
  auto xml = archive.read(part);
  if (!xml) return xml.error();
  if (!*xml) return std::vector<Relationship>();
  RelationshipsHandler handler;
  if (auto parsed = parse_xml(part, **xml, handler); !parsed) return parsed.error();
  return std::move(handler.found);
}

Result<std::string> workbook_part(Archive& archive) {
  auto package = relationships(archive, "_rels/.rels");
  if (!package) return package.error();
  for (const auto& relationship : *package)
    if (type_is(relationship, "officeDocument")) return resolve("", relationship.target);
  return std::string("xl/workbook.xml");
}

Result<std::vector<std::string>> shared_strings(Archive& archive, const std::vector<Relationship>& workbook_rels,
                                                const std::string& folder) {
  for (const auto& relationship : workbook_rels) {
    if (!type_is(relationship, "sharedStrings")) continue;
    const std::string part = resolve(folder, relationship.target);
    auto xml = archive.read(part);
    if (!xml) return xml.error();
    if (!*xml) return damaged("its shared strings part " + part + " is missing");
    SharedStringsHandler handler;
    if (auto parsed = parse_xml(part, **xml, handler); !parsed) return parsed.error();
    return std::move(handler.strings);
  }
  return std::vector<std::string>();  // a workbook of inline strings and numbers only
}

}  // namespace

bool looks_like_zip(std::string_view bytes) { return bytes.starts_with(std::string_view("PK\x03\x04", 4)); }

std::string column_name(std::size_t column) {
  std::string name;
  for (std::size_t n = column + 1; n > 0; n = (n - 1) / 26) name.insert(name.begin(), char('A' + (n - 1) % 26));
  return name;
}

Result<Workbook> read_workbook(std::string_view bytes) {
  auto archive = Archive::open(bytes);
  if (!archive) return archive.error();
  auto workbook_name = workbook_part(*archive);
  if (!workbook_name) return workbook_name.error();
  auto workbook_xml = archive->read(*workbook_name);
  if (!workbook_xml) return workbook_xml.error();
  if (!*workbook_xml) return damaged("it has no workbook part (" + *workbook_name + ")");
  WorkbookHandler listed;
  if (auto parsed = parse_xml(*workbook_name, **workbook_xml, listed); !parsed) return parsed.error();
  if (listed.sheets.empty()) return damaged("its workbook part lists no sheets");

  auto rels = relationships(*archive, rels_of(*workbook_name));
  if (!rels) return rels.error();
  const std::string folder = folder_of(*workbook_name);
  auto shared = shared_strings(*archive, *rels, folder);
  if (!shared) return shared.error();

  Workbook workbook;
  for (const auto& listed_sheet : listed.sheets) {
    const std::string& name = listed_sheet.first;
    const std::string& id = listed_sheet.second;
    auto relationship = std::find_if(rels->begin(), rels->end(), [&id](const Relationship& r) { return r.id == id; });
    if (relationship == rels->end())
      return damaged("sheet '" + name + "' is listed, but the workbook does not say which part holds it");
    if (!type_is(*relationship, "worksheet")) continue;  // chart sheets and dialog sheets hold no cells
    const std::string part = resolve(folder, relationship->target);
    auto xml = archive->read(part);
    if (!xml) return xml.error();
    if (!*xml) return damaged("sheet '" + name + "' is listed, but its part " + part + " is missing");
    Sheet sheet{name, {}};
    SheetHandler handler(sheet, *shared);
    if (auto parsed = parse_xml(part, **xml, handler); !parsed) return parsed.error();
    workbook.sheets.push_back(std::move(sheet));
  }
  return workbook;
}

}  // namespace dsptsync::xlsx
