// libFuzzer entry point for the official list's reader (tools/fuzz/README.md says how to build and
// run it): every input goes to xlsx::read_workbook and to import_official_list, as a workbook and
// as whatever the bytes sniff as.
//
// Each must refuse with invalid_input, or return what its limits allow: no more rows and columns
// than limits.h, rows in order with numbers from 1, and items whose ids are evidence item ids and
// whose questions are not empty. AddressSanitizer catches reads past the input and leaks;
// -rss_limit_mb and -malloc_limit_mb catch inflation that got past the limits.
//
// Built with -DDSPTSYNC_FUZZ_WRITE_SEEDS instead, the same file is a small program that writes a
// starting corpus: the test fixture workbook (shared and inline strings), its CSV twin and the
// hostile workbooks of tests/fixtures.
#include "dsptsync/limits.h"
#include "dsptsync/official_list.h"
#include "dsptsync/xlsx.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

using namespace dsptsync;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

void check_workbook(std::string_view input) {
  auto workbook = xlsx::read_workbook(input);
  if (!workbook) {
    if (workbook.error().kind != ErrorKind::invalid_input) fail("read_workbook refused with an error other than invalid_input");
    return;
  }
  for (const auto& sheet : workbook->sheets) {
    if (sheet.rows.size() > limits::kMaxSheetRows) fail("a sheet has more rows than the limit");
    for (const auto& row : sheet.rows) {
      if (row.number < 1) fail("a row number below 1");
      if (row.cells.size() > limits::kMaxSheetColumns) fail("a row has more columns than the limit");
    }
  }
}

void check_import(std::string_view input, std::string_view name) {
  auto list = import_official_list(input, name, AssessmentYear{2025});
  if (!list) {
    if (list.error().kind != ErrorKind::invalid_input) fail("import_official_list refused with an error other than invalid_input");
    return;
  }
  if (list->catalogue.items().empty()) fail("an import without items");
  for (const auto& item : list->catalogue.items()) {
    if (!check_item_id(item.id)) fail("an imported item with a bad id");
    if (item.question.empty()) fail("an imported item without a question");
  }
}

}  // namespace

#ifndef DSPTSYNC_FUZZ_WRITE_SEEDS

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_workbook(input);
  check_import(input, "fuzz.xlsx");
  return 0;
}

#else

#include "official_list_fixture.h"
#include "seeds.h"

int main(int argc, char** argv) {
  const auto folder = fuzz::corpus_folder(argc, argv);
  if (!folder) return 2;
  const std::filesystem::path& dir = *folder;
  std::vector<std::pair<std::string, std::string>> seeds;
  auto write = [&](const std::string& name, const std::string& bytes) { seeds.emplace_back(name, bytes); };
  testing::OfficialListSpec spec{testing::shipped_or_die(2025)};
  const auto valid = testing::official_list_xlsx(spec, dir);
  write("list.xlsx", valid);
  write("list.csv", testing::official_list_csv(spec));
  spec.inline_strings = true;
  write("list-inline.xlsx", testing::official_list_xlsx(spec, dir));
  for (auto kind : {testing::Hostile::missing_sheet, testing::Hostile::bad_xml, testing::Hostile::doctype,
                    testing::Hostile::truncated})
    write("hostile-" + std::to_string(static_cast<int>(kind)) + ".xlsx", testing::hostile_workbook(valid, kind, dir));
  std::filesystem::remove(dir / "official-list-fixture.xlsx");
  std::filesystem::remove(dir / "hostile.xlsx");
  return fuzz::write_seeds(dir, seeds);
}

#endif
