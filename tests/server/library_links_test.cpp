// Evidence items linked to the policy library, and the evidence pack, end to end against a real
// server on 127.0.0.1 and a real branch laptop (docs/documents.md#items-and-the-library): head office
// answers a shared document item with a library document; the branch's laptop shows the link after a
// sync; the branch answers its own item with its own evidence file; the pack of the branch holds the
// workbook and both files byte for byte; backup and restore keep the files; audit --verify covers a
// document added at a laptop.
#include "../common/cli_runner.h"
#include "../common/sample_files.h"
#include "fixture.h"
#include "web_client.h"

#include "dsptsync/document.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <fstream>
#include <iterator>
#include <map>

namespace dsptsync::testing {
namespace {

using nlohmann::json;
using protocol::Role;

void write(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Every entry of a zip, by name, read with libzip.
std::map<std::string, std::string> zip_entries(const std::string& bytes) {
  std::map<std::string, std::string> entries;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  EXPECT_NE(source, nullptr);
  if (!source) return entries;
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  EXPECT_NE(archive, nullptr) << zip_error_strerror(&error);
  zip_error_fini(&error);
  if (!archive) {
    zip_source_free(source);
    return entries;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    EXPECT_EQ(zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &stat), 0);
    std::string content(stat.size, '\0');
    zip_file_t* file = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    EXPECT_NE(file, nullptr);
    if (!file) continue;
    EXPECT_EQ(zip_fread(file, content.data(), stat.size), static_cast<zip_int64_t>(stat.size));
    zip_fclose(file);
    entries[stat.name] = content;
  }
  zip_discard(archive);
  return entries;
}

bool lists_document(const json& documents, const std::string& id) {
  for (const auto& document : documents)
    if (document["id"] == id) return true;
  return false;
}

class LibraryLinks : public ::testing::Test {
 protected:
  CliRun server_cli(const std::vector<std::string>& args) {
    return run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                       args, scratch_.path());
  }
  CliRun laptop_cli(const std::filesystem::path& store, const std::vector<std::string>& args) {
    return run_program(shell_quote(DSPTSYNC_CLI) + " --json --store " + shell_quote(store.string()), args,
                       scratch_.path());
  }
  // A shared policy added at head office's console, listing item 1.1.1; its id.
  std::string add_policy(const std::string& bytes) {
    write(scratch_ / "dp-policy.pdf", bytes);
    auto added = server_cli({"doc", "add", (scratch_ / "dp-policy.pdf").string(), "--title", "Data protection policy",
                             "--kind", "policy", "--review", "2027-03-31", "--item", "1.1.1", "--as", "Priya Shah"});
    EXPECT_EQ(added.code, 0) << added.err;
    return added.code == 0 ? json::parse(added.out)["document"]["id"].get<std::string>() : "";
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(LibraryLinks, AnItemAnsweredWithALibraryDocumentShowsItAtHeadOfficeAndTheBranch) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto leeds = server_.enrol(stores_ / "leeds", "Lee Admin", "VLAXL", Role::admin);
  const std::string policy = add_policy(pdf_with("data protection"));

  // 1.1.2 is a shared document item: head office answers it with the policy.
  auto answered = server_cli({"answer", "1.1.2", "Data protection policy", "--document", policy, "--as", "Priya Shah"});
  ASSERT_EQ(answered.code, 0) << answered.err;
  auto at_head_office = server_.admin()->effective_view("A1B2", server_.admin()->year());
  ASSERT_TRUE(at_head_office);
  EXPECT_EQ(at_head_office->answers.at("1.1.2").value.location, "library:" + policy);
  // A document nobody has, a malformed link, a link on a yes/no item: refused, nothing recorded.
  auto unknown = server_cli({"answer", "1.2.1", "Policy", "--document", "DOC-00000000", "--as", "Priya Shah"});
  EXPECT_EQ(unknown.code, 4) << unknown.err;
  EXPECT_NE(unknown.err.find("DOC-00000000"), std::string::npos) << unknown.err;
  auto malformed = server_cli({"answer", "1.2.1", "Policy", "--location", "library:policy.pdf", "--as", "Priya Shah"});
  EXPECT_EQ(malformed.code, 4) << malformed.err;
  EXPECT_NE(malformed.err.find("library:DOC-"), std::string::npos) << malformed.err;
  auto not_document = server_cli({"answer", "1.1.1", "yes", "--document", policy, "--as", "Priya Shah"});
  EXPECT_EQ(not_document.code, 4) << not_document.err;
  auto both = server_cli({"answer", "1.1.2", "P", "--document", policy, "--location", "x", "--as", "Priya Shah"});
  EXPECT_EQ(both.code, 2) << "one or the other";
  EXPECT_FALSE(server_.admin()->effective_view("A1B2", server_.admin()->year())->answers.contains("1.2.1"));

  // At the branch after a sync: 1.1.2 (the shared answer's link) and 1.1.1 (the policy's items).
  ASSERT_TRUE(client::sync_once(*leeds));
  auto shown = laptop_cli(stores_ / "leeds", {"show", "1.1.2"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  const json item = json::parse(shown.out);
  ASSERT_EQ(item["documents"].size(), 1u) << shown.out;
  EXPECT_EQ(item["documents"][0]["id"], policy);
  EXPECT_EQ(item["documents"][0]["title"], "Data protection policy");
  EXPECT_EQ(item["documents"][0]["version"], 1);
  EXPECT_EQ(item["documents"][0]["review_by"], "2027-03-31");
  EXPECT_EQ(item["documents"][0]["site"], "A1B2");
  EXPECT_EQ(item["answer"]["location"], "library:" + policy);
  auto items = laptop_cli(stores_ / "leeds", {"items"});
  ASSERT_EQ(items.code, 0) << items.err;
  const json listed = json::parse(items.out)["items"];
  for (const auto& entry : listed) {
    if (entry["id"] == "1.1.1") {
      EXPECT_TRUE(lists_document(entry["documents"], policy)) << entry.dump();
    }
    if (entry["id"] == "1.1.5") {
      EXPECT_TRUE(entry["documents"].empty()) << entry.dump();
    }
  }

  // The branch answers its own document item (8.2.1) with its own evidence, attached offline.
  write(scratch_ / "cabinet.png", png_with("locked cabinet"));
  auto attached = laptop_cli(stores_ / "leeds", {"doc", "attach", (scratch_ / "cabinet.png").string(), "--title",
                                                 "Locked cabinet photo", "--kind", "evidence"});
  ASSERT_EQ(attached.code, 0) << attached.err;
  const std::string photo = json::parse(attached.out)["document"]["id"];
  auto own = laptop_cli(stores_ / "leeds", {"answer", "8.2.1", "Locked cabinet photo", "--document", photo});
  ASSERT_EQ(own.code, 0) << own.err;
  auto missing = laptop_cli(stores_ / "leeds", {"answer", "8.2.1", "Photo", "--document", "DOC-00000000"});
  EXPECT_EQ(missing.code, 4) << missing.err;
  auto again = laptop_cli(stores_ / "leeds", {"show", "8.2.1"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["answer"]["location"], "library:" + photo) << "the refused answer changed nothing";
  EXPECT_TRUE(lists_document(json::parse(again.out)["documents"], photo)) << again.out;
  ASSERT_TRUE(client::sync_once(*leeds));

  // Head office's web API shows both links on the branch's assessment.
  set_web_password(server_.data(), "Priya Shah", scratch_.path());
  WebClient browser(server_.port());
  ASSERT_EQ(browser.sign_in("Priya Shah", kPassword).status, 200);
  auto assessment = browser.get("/api/assessment/VLAXL");
  ASSERT_EQ(assessment.status, 200) << assessment.body;
  int seen = 0;
  const json parsed = assessment.parsed();
  for (const auto& group : parsed["groups"])
    for (const auto& entry : group["items"]) {
      if (entry["id"] == "1.1.2") seen += lists_document(entry["documents"], policy);
      if (entry["id"] == "8.2.1") seen += lists_document(entry["documents"], photo);
      if (entry["id"] == "8.2.1") {
        EXPECT_EQ(entry["documents"][0]["reviewBy"], nullptr) << entry.dump();
      }
    }
  EXPECT_EQ(seen, 2);
}

TEST_F(LibraryLinks, TheEvidencePackHoldsTheWorkbookAndEveryLinkedDocument) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto leeds = server_.enrol(stores_ / "leeds", "Lee Admin", "VLAXL", Role::admin);
  const std::string policy_bytes = pdf_with("data protection, the board's version");
  const std::string policy = add_policy(policy_bytes);
  ASSERT_EQ(server_cli({"answer", "1.1.2", "Data protection policy", "--document", policy, "--as", "Priya Shah"}).code,
            0);
  // A shared document no item names is not in the pack.
  write(scratch_ / "byod.pdf", pdf_with("bring your own device"));
  ASSERT_EQ(server_cli({"doc", "add", (scratch_ / "byod.pdf").string(), "--title", "BYOD policy", "--kind", "policy",
                        "--as", "Priya Shah"})
                .code,
            0);
  ASSERT_TRUE(client::sync_once(*leeds));
  // The branch's own evidence, added for it at head office and listing 8.2.1.
  const std::string log_bytes = png_with("fire-safe log");
  write(scratch_ / "fire safe log.png", log_bytes);
  auto log_added = server_cli({"doc", "add", (scratch_ / "fire safe log.png").string(), "--title", "Fire-safe log",
                               "--kind", "evidence", "--branch", "VLAXL", "--item", "8.2.1", "--as", "Priya Shah"});
  ASSERT_EQ(log_added.code, 0) << log_added.err;
  const std::string log = json::parse(log_added.out)["document"]["id"];
  // A photo attached on the laptop, answering 8.2.1: its details and its file reach head office at the
  // sync (answers first, files after), so the pack holds it too.
  auto attached = leeds->attach_document({"Cabinet photo", "evidence", std::nullopt, std::nullopt, std::nullopt},
                                         {"cabinet.png", as_bytes(png_with("cabinet")), ""});
  ASSERT_TRUE(attached) << attached.error().message;
  const std::string photo = attached->document.id;
  ASSERT_EQ(laptop_cli(stores_ / "leeds", {"answer", "8.2.1", "Cabinet photo", "--document", photo}).code, 0);
  ASSERT_TRUE(client::sync_once(*leeds));

  const auto out = scratch_ / "leeds-pack.zip";
  auto packed = server_cli({"export", "--branch", "VLAXL", "--pack", out.string()});
  ASSERT_EQ(packed.code, 0) << packed.err;
  const json result = json::parse(packed.out);
  EXPECT_EQ(result["content"], "pack");
  ASSERT_EQ(result["documents"].size(), 3u) << packed.out;
  const auto entries = zip_entries(read(out));
  ASSERT_EQ(entries.size(), 5u);
  ASSERT_TRUE(entries.contains("manifest.txt"));
  ASSERT_TRUE(entries.contains("VLAXL-2021-22-assessment.xlsx"));
  EXPECT_EQ(entries.at("VLAXL-2021-22-assessment.xlsx").substr(0, 2), "PK") << "a workbook";
  const std::string policy_entry = "documents/" + policy + "-v1-dp-policy.pdf";
  const std::string log_entry = "documents/" + log + "-v1-fire_safe_log.png";
  ASSERT_TRUE(entries.contains(policy_entry));
  ASSERT_TRUE(entries.contains(log_entry));
  EXPECT_TRUE(entries.at(policy_entry) == policy_bytes) << "byte-identical";
  EXPECT_TRUE(entries.at(log_entry) == log_bytes) << "byte-identical";
  const std::string& manifest = entries.at("manifest.txt");
  for (const std::string& expected : {policy, log, std::string("Data protection policy"), std::string("Fire-safe log"),
                                      policy_entry, log_entry, result["documents"][0]["hash"].get<std::string>()})
    EXPECT_NE(manifest.find(expected), std::string::npos) << expected << "\n" << manifest;
  EXPECT_NE(manifest.find(photo + "\tCabinet photo\tversion 1"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("missing"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("BYOD"), std::string::npos) << manifest;
  const std::string photo_entry = "documents/" + photo + "-v1-cabinet.png";
  ASSERT_TRUE(entries.contains(photo_entry));
  EXPECT_TRUE(entries.at(photo_entry) == png_with("cabinet")) << "the laptop's file, byte-identical";
  for (const auto& document : result["documents"]) EXPECT_FALSE(document["missing"].get<bool>()) << document.dump();

  // A wrong branch code is refused and writes nothing.
  auto wrong = server_cli({"export", "--branch", "VZZZZ", "--pack", (scratch_ / "wrong.zip").string()});
  EXPECT_EQ(wrong.code, 4) << wrong.err;
  EXPECT_NE(wrong.err.find("VZZZZ"), std::string::npos) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(scratch_ / "wrong.zip"));
  EXPECT_EQ(server_cli({"export", "--branch", "VLAXL"}).code, 2) << "--out or --pack";
  EXPECT_EQ(server_cli({"export", "--pack", out.string(), "--plan"}).code, 2);

  // Head office downloads the same from the web app; a branch's manager may not.
  set_web_password(server_.data(), "Priya Shah", scratch_.path());
  WebClient browser(server_.port());
  ASSERT_EQ(browser.sign_in("Priya Shah", kPassword).status, 200);
  auto download = browser.get("/api/evidence-pack?scope=VLAXL");
  ASSERT_EQ(download.status, 200) << download.body;
  EXPECT_EQ(download.header("content-type"), "application/zip");
  EXPECT_NE(download.header("content-disposition").find("attachment; filename=\"VLAXL-2021-22-evidence-pack.zip\""),
            std::string::npos);
  const auto downloaded = zip_entries(download.body);
  ASSERT_TRUE(downloaded.contains(policy_entry));
  EXPECT_TRUE(downloaded.at(policy_entry) == policy_bytes);
  EXPECT_EQ(browser.get("/api/evidence-pack?scope=VZZZZ").status, 404);
}

TEST_F(LibraryLinks, BackupKeepsTheFilesAndAuditCoversDocumentsFromALaptop) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto leeds = server_.enrol(stores_ / "leeds", "Lee Admin", "VLAXL", Role::admin);
  const std::string policy_bytes = pdf_with("kept in the backup");
  const std::string policy = add_policy(policy_bytes);
  auto attached = leeds->attach_document({"Locked cabinet photo", "evidence", std::nullopt, std::nullopt, std::nullopt},
                                         {"cabinet.png", as_bytes(png_with("attached at Leeds")), ""});
  ASSERT_TRUE(attached) << attached.error().message;
  ASSERT_TRUE(client::sync_once(*leeds));
  ASSERT_EQ(laptop_cli(stores_ / "leeds", {"doc", "ack", policy}).code, 0);
  ASSERT_TRUE(client::sync_once(*leeds));

  // The document, its version and the acknowledgement went up as signed pushes, and verify.
  auto audit = server_cli({"audit", "--verify"});
  ASSERT_EQ(audit.code, 0) << audit.out << audit.err;
  const json trail = json::parse(audit.out);
  EXPECT_TRUE(trail["all_verified"].get<bool>()) << audit.out;
  std::size_t changes = 0;
  for (const auto& push : trail["pushes"]) changes += push["changes"].size();
  EXPECT_GE(changes, 4u) << "title, kind, the version's fields and the acknowledgement: " << audit.out;

  // The files live in the database: a backup restored into a new folder (holding only the key) gives
  // the same bytes back.
  const auto backup = scratch_ / "server-backup.db";
  auto backed_up = server_cli({"backup", "--to", backup.string()});
  ASSERT_EQ(backed_up.code, 0) << backed_up.err;
  server_.stop();
  const auto rebuilt = stores_ / "rebuilt";
  std::filesystem::create_directory(rebuilt);
  std::filesystem::permissions(rebuilt, std::filesystem::perms::owner_all);
  std::filesystem::copy_file(server_.data() / "server.key", rebuilt / "server.key");
  const auto on_rebuilt = [&](const std::vector<std::string>& args) {
    return run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(rebuilt.string()), args,
                       scratch_.path());
  };
  auto restored = on_rebuilt({"restore", "--from", backup.string()});
  ASSERT_EQ(restored.code, 0) << restored.err;
  auto got = on_rebuilt({"doc", "get", policy, "--out", (scratch_ / "restored.pdf").string()});
  ASSERT_EQ(got.code, 0) << got.err;
  EXPECT_TRUE(read(scratch_ / "restored.pdf") == policy_bytes) << "byte-identical after restore";
  auto shown = on_rebuilt({"doc", "show", attached->document.id});
  EXPECT_EQ(shown.code, 0) << "the laptop's document came back too: " << shown.err;
  EXPECT_EQ(on_rebuilt({"audit", "--verify"}).code, 0);
}

}  // namespace
}  // namespace dsptsync::testing
