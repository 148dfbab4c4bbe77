// A policy library file as the web app hands it out (web/api.h library_file_response, docs/api.md): always
// an attachment, its name made safe for the header and kept whole in RFC 6266's filename*, served as
// its stored kind, and never as a type a browser would render as a page; and the upload's body limit.
#include "dsptsync/file_store.h"
#include "dsptsync/limits.h"
#include "dsptsync/web/api.h"

#include <gtest/gtest.h>

namespace dsptsync::web {
namespace {

std::string header(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers)
    if (key == name) return value;
  return "";
}

TEST(LibraryDownload, IsAnAttachmentOfItsStoredKind) {
  const auto docx = library_file_response("Rota.docx", files::media_type(files::FileType::docx), "PK");
  EXPECT_EQ(docx.content_type, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(header(docx, "Content-Disposition"), "attachment; filename=\"Rota.docx\"");
  EXPECT_EQ(header(docx, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(library_file_response("a.txt", files::media_type(files::FileType::txt), "x").content_type,
            "text/plain; charset=utf-8");
}

TEST(LibraryDownload, NeverAsAPageAndItsNameCannotBreakTheHeader) {
  EXPECT_EQ(library_file_response("x.html", "text/html; charset=utf-8", "<p>").content_type,
            "application/octet-stream");
  EXPECT_EQ(library_file_response("x.svg", "image/SVG+xml", "<svg/>").content_type, "application/octet-stream");
  const auto odd = library_file_response("a\"b\\c;\r\nSet-Cookie: x.pdf", "application/pdf", "%PDF");
  const std::string disposition = header(odd, "Content-Disposition");
  EXPECT_EQ(disposition.find('\r'), std::string::npos);
  EXPECT_EQ(disposition.find('\n'), std::string::npos);
  EXPECT_TRUE(disposition.starts_with("attachment; filename=\"a_b_c___Set-Cookie: x.pdf\"; filename*=UTF-8''"))
      << disposition;
  EXPECT_EQ(header(library_file_response("Été.pdf", "application/pdf", "%PDF"), "Content-Disposition"),
            "attachment; filename=\"__t__.pdf\"; filename*=UTF-8''%C3%89t%C3%A9.pdf");
}

TEST(LibraryDownload, UploadsMayBeAsLargeAsALibraryFileAndNoOtherRequest) {
  HttpRequest upload;
  upload.method = "POST";
  upload.target = "/api/documents?title=T&kind=policy&file=a.pdf";
  EXPECT_EQ(body_limit(upload), limits::kMaxFileBytes);
  upload.target = "/api/documents/DOC-3F9A2C1B/versions?file=a.pdf";
  EXPECT_EQ(body_limit(upload), limits::kMaxFileBytes);
  upload.target = "/api/documents/DOC-3F9A2C1B/acknowledge";
  EXPECT_EQ(body_limit(upload), limits::kMaxWebRequestBodyBytes);
  EXPECT_TRUE(refuse_body(upload, limits::kMaxWebRequestBodyBytes + 1).has_value());
}

}  // namespace
}  // namespace dsptsync::web
