// What the policy library takes, told by content: small real samples of each kind, zip packages made
// here with libzip, and what must be refused (markup, programs, a kind named as another).
#include "dsptsync/file_store.h"

#include "dsptsync/limits.h"

#include "test_support.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

namespace dsptsync::files {
namespace {

using testing::TempDir;

using Entries = std::vector<std::pair<std::string, std::string>>;

// A zip package with these entries in this order (the first stored uncompressed, as OpenDocument
// wants its `mimetype`), written by libzip and read back as bytes.
Bytes zip_of(const Entries& entries) {
  TempDir dir;
  const auto path = dir / "package.zip";
  int error = 0;
  zip_t* archive = zip_open(path.string().c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  EXPECT_NE(archive, nullptr);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [name, content] = entries[i];
    zip_source_t* source = zip_source_buffer(archive, content.data(), content.size(), 0);
    const zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE);
    EXPECT_GE(index, 0) << zip_strerror(archive);
    if (i == 0) zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  }
  EXPECT_EQ(zip_close(archive), 0);
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string content_types(std::string_view main_part_type) {
  return R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/main.xml" ContentType=")" +
         std::string(main_part_type) + R"("/>
</Types>)";
}

Bytes docx() {
  return zip_of({{"[Content_Types].xml",
                  content_types("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")},
                 {"word/document.xml", "<w:document/>"}});
}

Bytes xlsx() {
  return zip_of({{"[Content_Types].xml",
                  content_types("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")},
                 {"xl/workbook.xml", "<workbook/>"}});
}

Bytes odt() {
  return zip_of({{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", "<office:document/>"}});
}

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

const Bytes kPdf = bytes_of("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const Bytes kPng = bytes_of(std::string_view("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0", 29));
const Bytes kJpeg = bytes_of(std::string_view("\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xFF\xD9", 22));

FileType sniffed(const Bytes& content, std::string_view name) {
  auto type = sniff_type(content, name);
  EXPECT_TRUE(type) << name << ": " << type.error().message;
  return type ? *type : FileType::txt;
}

TEST(FileType, EachKindIsToldByItsContent) {
  EXPECT_EQ(sniffed(kPdf, "Data protection policy.pdf"), FileType::pdf);
  EXPECT_EQ(sniffed(kPng, "floor plan.PNG"), FileType::png);
  EXPECT_EQ(sniffed(kJpeg, "notice board.jpeg"), FileType::jpeg);
  EXPECT_EQ(sniffed(kJpeg, "notice board.jpg"), FileType::jpeg);
  EXPECT_EQ(sniffed(docx(), "Policy.docx"), FileType::docx);
  EXPECT_EQ(sniffed(xlsx(), "Asset register.xlsx"), FileType::xlsx);
  EXPECT_EQ(sniffed(odt(), "Policy.odt"), FileType::odt);
  EXPECT_EQ(sniffed(bytes_of("Fire drill log\r\n\tMonday: done\nCafé ok \xE2\x9C\x93\n"), "log.txt"), FileType::txt);
  EXPECT_EQ(sniffed(kPdf, "policy"), FileType::pdf) << "a name without an extension is fine";
  EXPECT_EQ(sniffed(kPdf, "policy.v2.final"), FileType::pdf) << "an extension of no kind we know is fine";
}

TEST(FileType, ANameSayingAnotherKindIsRefused) {
  auto named_wrong = sniff_type(kPdf, "policy.docx");
  ASSERT_FALSE(named_wrong);
  EXPECT_EQ(named_wrong.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(named_wrong.error().message.find("is a pdf file"), std::string::npos) << named_wrong.error().message;
  EXPECT_FALSE(sniff_type(docx(), "register.xlsx"));
  EXPECT_FALSE(sniff_type(bytes_of("plain words"), "scan.png"));
}

TEST(FileType, MarkupProgramsAndOtherPackagesAreRefused) {
  const std::vector<std::pair<std::string, Bytes>> refused_files = {
      {"page.html", bytes_of("<!DOCTYPE html><html><script>alert(1)</script></html>")},
      {"logo.svg", bytes_of("  <svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>")},
      {"setup.exe", bytes_of(std::string_view("MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0", 16))},
      {"bell.txt", bytes_of("ring\x07")},
      {"latin1.txt", bytes_of("caf\xE9")},
      {"overlong.txt", bytes_of("\xC0\xAF")},
      {"macros.docm",
       zip_of({{"[Content_Types].xml", content_types("application/vnd.ms-word.document.macroEnabled.main+xml")}})},
      {"archive.zip", zip_of({{"notes.txt", "hello"}})},
      {"broken.docx", bytes_of("PK\x03\x04 not really a zip")},
      {"slides.odp", zip_of({{"mimetype", "application/vnd.oasis.opendocument.presentation"}})},
  };
  for (const auto& [name, content] : refused_files) {
    auto type = sniff_type(content, name);
    EXPECT_FALSE(type) << name << " was taken as " << to_string(*type);
    if (!type) {
      EXPECT_EQ(type.error().kind, ErrorKind::invalid_input) << name;
    }
  }
  auto none = sniff_type(bytes_of("<html></html>"), "page.html");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("PDF"), std::string::npos) << "names the kinds taken: " << none.error().message;
  EXPECT_FALSE(sniff_type({}, "empty.txt"));
}

TEST(FileType, NamesTypesAndExtensionsAgree) {
  for (FileType type :
       {FileType::pdf, FileType::docx, FileType::xlsx, FileType::odt, FileType::png, FileType::jpeg, FileType::txt}) {
    EXPECT_EQ(*parse_file_type(to_string(type)), type);
    EXPECT_FALSE(media_type(type).empty());
    EXPECT_EQ(extension(type).front(), '.');
  }
  EXPECT_EQ(media_type(FileType::pdf), "application/pdf");
  EXPECT_EQ(extension(FileType::jpeg), ".jpg");
  EXPECT_FALSE(parse_file_type("exe"));
}

TEST(FileName, IsTrimmedAndRefusedWhenItCouldMisleadOrEscape) {
  EXPECT_EQ(*check_file_name("  Data protection policy v3.docx \n"), "Data protection policy v3.docx");
  EXPECT_EQ(*check_file_name("Politique de confidentialité.pdf"), "Politique de confidentialité.pdf");
  const std::vector<std::string> refused_names = {"",
                                                  "   ",
                                                  ".",
                                                  "..",
                                                  "../secrets.pdf",
                                                  "folder/policy.pdf",
                                                  "C:\\policy.pdf",
                                                  "two\nlines.pdf",
                                                  "tab\there.pdf",
                                                  std::string("nul\0.pdf", 8),
                                                  "bell\x07.pdf",
                                                  "c1\xC2\x85.pdf",
                                                  "bad\xFF.pdf",
                                                  std::string(limits::kMaxFileNameBytes + 1, 'a')};
  for (const auto& name : refused_names) {
    auto checked = check_file_name(name);
    EXPECT_FALSE(checked) << "'" << name << "' was taken";
    if (!checked) {
      EXPECT_EQ(checked.error().kind, ErrorKind::invalid_input);
    }
  }
  EXPECT_TRUE(check_file_name(std::string(limits::kMaxFileNameBytes, 'a')));
  EXPECT_NE(check_file_name("a/b").error().message.find("folder"), std::string::npos);
}

}  // namespace
}  // namespace dsptsync::files
