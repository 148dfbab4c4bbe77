// The policy library through head office's web API, against a real server on 127.0.0.1 (docs/api.md):
// an administrator uploads a policy as the page does (the file as the body), it is listed and
// downloaded only as an attachment; a branch's people never reach another branch's document, by list
// or by id; viewers upload nothing; a file over the limit is refused before its body is read; an
// acknowledgement is counted at head office.
#include "fixture.h"
#include "web_client.h"

#include "dsptsync/limits.h"

#include <gtest/gtest.h>

namespace dsptsync::testing {
namespace {

using protocol::Role;

const std::string kPdf = "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

class WebDocuments : public ::testing::Test {
 protected:
  WebClient signed_in(const std::string& user) {
    return signed_in_client(server_.data(), server_.port(), user, scratch_.path());
  }
  // Uploads a PDF as the page does; the document's id.
  static std::string upload(WebClient& client, const std::string& query, const std::string& bytes = kPdf) {
    auto added = client.upload("/api/documents?" + query, bytes);
    EXPECT_EQ(added.status, 201) << added.body;
    return added.status == 201 ? added.parsed()["document"]["id"].get<std::string>() : "";
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(WebDocuments, APolicyUploadedIsListedDownloadedAsAnAttachmentAndAcknowledged) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto priya = signed_in("Priya Shah");
  const std::string id = upload(priya,
                                "title=Data%20protection%20policy&kind=policy&owner=Priya%20Shah&reviewBy=2027-03-31"
                                "&file=Data%20protection%20policy.pdf&note=First%20issue");
  ASSERT_FALSE(id.empty());

  auto listed = priya.get("/api/documents");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto list = listed.parsed();
  ASSERT_EQ(list["documents"].size(), 1u) << listed.body;
  EXPECT_EQ(list["documents"][0]["id"], id);
  EXPECT_EQ(list["documents"][0]["site"], "A1B2");
  EXPECT_EQ(list["documents"][0]["kind"], "policy");
  EXPECT_EQ(list["documents"][0]["currentVersion"], 1);
  EXPECT_EQ(list["documents"][0]["acknowledged"], false);
  EXPECT_EQ(list["documents"][0]["versions"][0]["name"], "Data protection policy.pdf");
  EXPECT_EQ(list["documents"][0]["versions"][0]["held"], true);
  EXPECT_TRUE(list["reviewWarnings"].is_array());

  auto file = priya.get("/api/documents/" + id + "/file");
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(file.body, kPdf);
  EXPECT_EQ(file.header("content-type"), "application/pdf");
  EXPECT_EQ(file.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(file.header("content-disposition"), "attachment; filename=\"Data protection policy.pdf\"");

  // A name that is not ASCII is offered back as it was, by RFC 6266's filename*.
  auto second =
      priya.upload("/api/documents/" + id + "/versions?file=Politique%20%C3%A9t%C3%A9.pdf", kPdf + "% second issue\n");
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(second.parsed()["document"]["currentVersion"], 2);
  auto renamed = priya.get("/api/documents/" + id + "/file?version=2");
  ASSERT_EQ(renamed.status, 200);
  EXPECT_EQ(renamed.header("content-disposition"),
            "attachment; filename=\"Politique __t__.pdf\"; filename*=UTF-8''Politique%20%C3%A9t%C3%A9.pdf");
  EXPECT_EQ(priya.get("/api/documents/" + id + "/file?version=1").body, kPdf);
  EXPECT_EQ(priya.get("/api/documents/" + id + "/file?version=3").status, 404);
  EXPECT_EQ(priya.get("/api/documents/" + id + "/file?version=x").status, 400);

  // A Leeds member reads and acknowledges the shared policy; head office counts it.
  server_.enrol(stores_ / "leeds", "Lee Member", "VLAXL", Role::member);
  auto lee = signed_in("Lee Member");
  auto acknowledged = lee.post("/api/documents/" + id + "/acknowledge", json::object());
  ASSERT_EQ(acknowledged.status, 200) << acknowledged.body;
  EXPECT_EQ(acknowledged.parsed()["document"]["acknowledged"], true);
  EXPECT_EQ(acknowledged.parsed()["document"]["acknowledgedVersions"], json::array({2}));
  auto counted = priya.get("/api/documents/" + id + "/acknowledgements");
  ASSERT_EQ(counted.status, 200) << counted.body;
  const auto acks = counted.parsed();
  EXPECT_EQ(acks["version"], 2);
  EXPECT_EQ(acks["acknowledged"], 1) << counted.body;
  bool found = false;
  for (const auto& site : acks["sites"])
    if (site["site"] == "VLAXL") {
      ASSERT_EQ(site["acknowledged"].size(), 1u) << counted.body;
      EXPECT_EQ(site["acknowledged"][0]["person"], "Lee Member");
      found = true;
    }
  EXPECT_TRUE(found) << counted.body;
  auto earlier = lee.post("/api/documents/" + id + "/acknowledge", json{{"version", 9}});
  EXPECT_EQ(earlier.status, 404) << earlier.body;
}

TEST_F(WebDocuments, ABranchNeverReachesAnotherBranchsDocument) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto priya = signed_in("Priya Shah");
  const std::string york = upload(priya, "title=York%20fire%20log&kind=evidence&scope=VM2B3&file=fire.pdf");
  const std::string shared = upload(priya, "title=BYOD%20policy&kind=policy&file=byod.pdf");
  ASSERT_FALSE(york.empty());

  server_.enrol(stores_ / "leeds", "Lee Member", "VLAXL", Role::member);
  auto lee = signed_in("Lee Member");
  auto listed = lee.get("/api/documents");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto list = listed.parsed();
  ASSERT_EQ(list["documents"].size(), 1u) << listed.body;
  EXPECT_EQ(list["documents"][0]["id"], shared);
  // York's document is not there at all: the same answer as for one that never existed.
  const auto missing = lee.get("/api/documents/DOC-00000000");
  for (const std::string& path : {"/api/documents/" + york, "/api/documents/" + york + "/file"}) {
    auto answer = lee.get(path);
    EXPECT_EQ(answer.status, 404) << path;
    // Word for word the answer for an id that does not exist: nothing says whose it is.
    std::string unknown = missing.parsed()["error"]["message"];
    unknown.replace(unknown.find("DOC-00000000"), 12, york);
    EXPECT_EQ(answer.parsed()["error"]["message"], unknown) << path;
  }
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(lee.get("/api/documents/" + york + "/acknowledgements").status, 404);
  EXPECT_EQ(lee.upload("/api/documents/" + york + "/versions?file=fire2.pdf", kPdf + "%x\n").status, 404);
  EXPECT_EQ(lee.post("/api/documents/" + york + "/acknowledge", json::object()).status, 404);
  // Nor may Lee add one for York, or for the shared library.
  EXPECT_EQ(lee.upload("/api/documents?title=T&kind=plan&scope=VM2B3&file=t.pdf", kPdf).status, 403);
  EXPECT_EQ(lee.upload("/api/documents?title=T&kind=plan&scope=A1B2&file=t.pdf", kPdf).status, 403);
  // Their own branch's they may.
  auto own = lee.upload("/api/documents?title=Leeds%20rota&kind=procedure&file=rota.pdf", kPdf);
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_EQ(own.parsed()["document"]["site"], "VLAXL");
  EXPECT_EQ(priya.get("/api/documents").parsed()["documents"].size(), 3u);
}

TEST_F(WebDocuments, ViewersUploadNothingAndBadOrOversizedFilesAreRefused) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  ASSERT_TRUE(server_.admin()->add_console_user("Victor Viewer", Role::viewer));
  auto victor = signed_in("Victor Viewer");
  auto refused = victor.upload("/api/documents?title=T&kind=policy&file=t.pdf", kPdf);
  EXPECT_EQ(refused.status, 403) << refused.body;

  auto priya = signed_in("Priya Shah");
  auto html = priya.upload("/api/documents?title=T&kind=policy&file=t.html", "<html><script>x</script></html>");
  EXPECT_EQ(html.status, 400) << html.body;
  EXPECT_EQ(html.parsed()["error"]["field"], "file");
  auto untitled = priya.upload("/api/documents?kind=policy&file=t.pdf", kPdf);
  EXPECT_EQ(untitled.status, 400) << untitled.body;
  EXPECT_EQ(untitled.parsed()["error"]["field"], "title") << untitled.body;
  auto badkind = priya.upload("/api/documents?title=T&kind=novel&file=t.pdf", kPdf);
  EXPECT_EQ(badkind.status, 400);
  EXPECT_EQ(badkind.parsed()["error"]["field"], "kind") << badkind.body;

  // Over the library's limit: refused from the headers alone, the body never sent.
  const auto announce = [&](const std::string& target, std::size_t length) {
    RawHttp http(server_.port());
    const std::string request = "POST " + target +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                "application/octet-stream\r\nContent-Length: " +
                                std::to_string(length) + "\r\n\r\n";
    EXPECT_TRUE(http.send(request));
    auto answer = http.next(false);
    return answer ? answer->status : 0;
  };
  EXPECT_EQ(announce("/api/documents?title=T&kind=policy&file=t.pdf", limits::kMaxFileBytes + 1), 413);
  EXPECT_EQ(announce("/api/documents/DOC-00000000/versions?file=t.pdf", limits::kMaxFileBytes + 1), 413);
  // A file larger than any other request may be is read, and kept.
  std::string large = kPdf;
  large.resize(limits::kMaxWebRequestBodyBytes + 1, 'x');
  auto kept = priya.upload("/api/documents?title=Large%20plan&kind=plan&file=large.pdf", large);
  EXPECT_EQ(kept.status, 201) << kept.body;
  EXPECT_EQ(priya.get("/api/documents").parsed()["documents"].size(), 1u);
  EXPECT_EQ(victor.get("/api/documents").parsed()["documents"].size(), 1u);
}

}  // namespace
}  // namespace dsptsync::testing
