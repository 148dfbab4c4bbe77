// The policy library end to end, against a real server on 127.0.0.1 and real laptops
// (docs/documents.md): head office adds a 10 MiB policy; two branches sync and then read it offline,
// byte for byte, with the server stopped; a new version reaches both; acknowledgements made offline
// reach head office; a branch's evidence photo reaches head office; the file's contents are never in
// plain in any file of either side. Bad input is refused with the fault named and keeps nothing.
#include "../common/cli_runner.h"
#include "../common/sample_files.h"
#include "fixture.h"

#include "dsptsync/document.h"
#include "dsptsync/limits.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>
#include <mutex>
#include <atomic>

namespace dsptsync::testing {
namespace {

using nlohmann::json;
using protocol::Role;

const std::string kSecret = "Key safe codes are changed every quarter by the registered manager";

// A PDF of `size` bytes (its header is what the library goes by), holding `marker` in the middle.
std::string pdf_of(std::size_t size, const std::string& marker, unsigned seed) {
  std::string bytes = "%PDF-1.7\n";
  std::mt19937 random(seed);
  while (bytes.size() < size / 2) bytes += static_cast<char>('a' + random() % 26);
  bytes += marker;
  while (bytes.size() < size - 6) bytes += static_cast<char>('a' + random() % 26);
  bytes += "\n%%EOF";
  return bytes;
}

void write(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string as_text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

class Documents : public ::testing::Test {
 protected:
  CliRun server_cli(const std::vector<std::string>& args) {
    return run_program(shell_quote(DSPTSYNC_SERVER_CLI) + " --json --data " + shell_quote(server_.data().string()),
                       args, scratch_.path());
  }
  CliRun laptop_cli(const std::filesystem::path& store, const std::vector<std::string>& args) {
    return run_program(shell_quote(DSPTSYNC_CLI) + " --json --store " + shell_quote(store.string()), args,
                       scratch_.path());
  }
  // Adds a shared policy at head office's console; its id.
  std::string add_policy(const std::filesystem::path& file) {
    auto added =
        server_cli({"doc", "add", file.string(), "--title", "Data protection policy", "--kind", "policy", "--review",
                    "2027-03-31", "--item", "1.1.1", "--owner", "Priya Shah", "--as", "Priya Shah"});
    EXPECT_EQ(added.code, 0) << added.err;
    return json::parse(added.out)["document"]["id"];
  }

  RunningServer server_;
  TempDir stores_;
  TempDir scratch_;
};

TEST_F(Documents, APolicyReachesEveryBranchForOfflineUseAndWhoReadItComesBack) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto leeds = server_.enrol(stores_ / "leeds", "Lee Admin", "VLAXL", Role::admin);
  auto york = server_.enrol(stores_ / "york", "Sam Patel", "VM2B3", Role::member);
  const std::string v1 = pdf_of(10 * 1024 * 1024, kSecret, 1);
  write(scratch_ / "dp-policy.pdf", v1);
  const std::string id = add_policy(scratch_ / "dp-policy.pdf");

  ASSERT_TRUE(client::sync_once(*leeds));
  ASSERT_TRUE(client::sync_once(*york));
  server_.stop();  // from here on, offline
  for (auto* laptop : {leeds.get(), york.get()}) {
    auto file = laptop->document_file(id, std::nullopt);
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->version, 1);
    EXPECT_EQ(file->name, "dp-policy.pdf");
    EXPECT_TRUE(as_text(file->content) == v1) << "byte-identical";
  }
  auto got = laptop_cli(stores_ / "york", {"doc", "get", id, "--out", (scratch_ / "at-york.pdf").string()});
  ASSERT_EQ(got.code, 0) << got.err;
  EXPECT_TRUE(read(scratch_ / "at-york.pdf") == v1);

  // Read and understood, offline at York; a photo of the locked cabinet attached offline at Leeds.
  auto acked = york->acknowledge_document(id, std::nullopt);
  ASSERT_TRUE(acked) << acked.error().message;
  const std::string photo = png_with("locked cabinet, room 2", 4000);
  auto attached = leeds->attach_document({"Locked cabinet photo", "evidence", std::nullopt, std::nullopt, std::nullopt},
                                         {"cabinet.png", as_bytes(photo), "taken 1 December"});
  ASSERT_TRUE(attached) << attached.error().message;
  const std::string photo_id = attached->document.id;
  server_.start();
  ASSERT_TRUE(client::sync_once(*york));
  ASSERT_TRUE(client::sync_once(*leeds));

  auto acks = server_cli({"doc", "acks", id});
  ASSERT_EQ(acks.code, 0) << acks.err;
  const json sites = json::parse(acks.out)["sites"];
  bool york_seen = false;
  for (const auto& site : sites) {
    if (site["site"] != "VM2B3") continue;
    york_seen = true;
    ASSERT_EQ(site["acknowledged"].size(), 1u) << acks.out;
    EXPECT_EQ(site["acknowledged"][0]["person"], "Sam Patel");
  }
  EXPECT_TRUE(york_seen) << acks.out;
  EXPECT_EQ(json::parse(acks.out)["acknowledged"], 1);
  EXPECT_GE(json::parse(acks.out)["not_yet"], 2) << "Lee Admin and Priya Shah have not";

  auto evidence = server_cli({"doc", "get", photo_id, "--out", (scratch_ / "cabinet.png").string()});
  ASSERT_EQ(evidence.code, 0) << evidence.err;
  EXPECT_TRUE(read(scratch_ / "cabinet.png") == photo);

  // A new version reaches both; York's acknowledgement was of version 1, so the count starts again.
  const std::string v2 = pdf_of(3 * 1024 * 1024, kSecret + " (v2)", 2);
  write(scratch_ / "dp-policy-v2.pdf", v2);
  auto versioned = server_cli({"doc", "version", id, (scratch_ / "dp-policy-v2.pdf").string(), "--note",
                               "approved by the board", "--as", "Priya Shah"});
  ASSERT_EQ(versioned.code, 0) << versioned.err;
  ASSERT_TRUE(client::sync_once(*leeds));
  ASSERT_TRUE(client::sync_once(*york));
  for (auto* laptop : {leeds.get(), york.get()}) {
    auto file = laptop->document_file(id, std::nullopt);
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->version, 2);
    EXPECT_TRUE(as_text(file->content) == v2);
  }
  auto recount = server_cli({"doc", "acks", id});
  ASSERT_EQ(recount.code, 0) << recount.err;
  EXPECT_EQ(json::parse(recount.out)["version"], 2);
  EXPECT_EQ(json::parse(recount.out)["acknowledged"], 0) << recount.out;

  // Leeds never holds York's or anyone's branch documents but its own, and no file is in plain anywhere.
  auto at_york = york->documents();
  ASSERT_TRUE(at_york);
  for (const auto& document : *at_york) EXPECT_NE(document.id, photo_id) << "Leeds's evidence is not York's";
  server_.stop();
  for (const auto& folder : {stores_ / "york", stores_ / "leeds", server_.data()}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
      if (!entry.is_regular_file()) continue;
      const std::string bytes = read(entry.path());
      EXPECT_EQ(bytes.find(kSecret), std::string::npos) << entry.path();
      EXPECT_EQ(bytes.find("locked cabinet, room 2"), std::string::npos) << entry.path();
    }
  }
}

TEST_F(Documents, AWatchingLaptopFetchesTheFilesItLacksAndEachNewVersionAsItComes) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto york = server_.enrol(stores_ / "york", "Sam Patel", "VM2B3", Role::member);
  const std::string policy = pdf_of(600 * 1024, kSecret, 7);
  write(scratch_ / "policy.pdf", policy);
  const std::string id = add_policy(scratch_ / "policy.pdf");

  std::mutex mutex;
  std::vector<std::string> events;
  std::atomic<bool> stop{false};
  client::WatchOptions options;
  options.run_for = std::chrono::seconds(30);  // a bound: the test stops it long before
  options.stop = &stop;
  options.on_event = [&](std::string_view event, const std::string& detail) {
    std::lock_guard lock(mutex);
    events.push_back(std::string(event) + " " + detail);
  };
  const auto fetched = [&] {
    std::lock_guard lock(mutex);
    return std::count(events.begin(), events.end(), "files 1 fetched, 0 sent");
  };
  const auto wait_for_fetches = [&](long count) {
    for (int i = 0; i < 300 && fetched() < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return fetched() >= count;
  };
  Status watched;
  std::thread watcher([&] { watched = client::sync_watch(*york, options); });
  const bool first = wait_for_fetches(1);  // at connection, before watching
  const std::string second = pdf_of(300 * 1024, "version two", 8);
  write(scratch_ / "policy-v2.pdf", second);
  auto versioned = server_cli({"doc", "version", id, (scratch_ / "policy-v2.pdf").string(), "--as", "Priya Shah"});
  const bool added = wait_for_fetches(2);  // while watching, on a session beside the watch
  stop = true;
  watcher.join();
  ASSERT_TRUE(watched) << watched.error().message;
  ASSERT_TRUE(first) << "the policy was not fetched at connection";
  ASSERT_EQ(versioned.code, 0) << versioned.err;
  ASSERT_TRUE(added) << "the new version was not fetched while watching";
  auto file = york->document_file(id, std::nullopt);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_TRUE(as_text(file->content) == second);
  auto older = york->document_file(id, 1);
  ASSERT_TRUE(older) << older.error().message;
  EXPECT_TRUE(as_text(older->content) == policy);
}

TEST_F(Documents, BadFilesAndWrongPeopleAreRefusedAndNothingIsKept) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  ASSERT_TRUE(server_.admin()->add_console_user("Vic Viewer", Role::viewer));
  auto york = server_.enrol(stores_ / "york", "Sam Patel", "VM2B3", Role::member);
  write(scratch_ / "policy.pdf", pdf_of(64 * 1024, "first", 3));
  const std::string id = add_policy(scratch_ / "policy.pdf");

  const auto refused = [&](const std::vector<std::string>& args, int code, const std::string& says) {
    auto run = server_cli(args);
    EXPECT_EQ(run.code, code) << run.out << run.err;
    EXPECT_NE(run.err.find(says), std::string::npos) << run.err;
  };
  write(scratch_ / "empty.pdf", "");
  refused({"doc", "version", id, (scratch_ / "empty.pdf").string(), "--as", "Priya Shah"}, 4, "is empty");
  write(scratch_ / "page.html", "<html><script>alert(1)</script></html>");
  refused({"doc", "version", id, (scratch_ / "page.html").string(), "--as", "Priya Shah"}, 4, "page.html");
  write(scratch_ / "disguised.docx", pdf_of(4096, "pdf inside", 4));
  refused({"doc", "version", id, (scratch_ / "disguised.docx").string(), "--as", "Priya Shah"}, 4, "disguised.docx");
  {
    std::ofstream big(scratch_ / "huge.pdf", std::ios::binary);
    big << "%PDF-1.7\n";
    big.seekp(static_cast<std::streamoff>(limits::kMaxFileBytes) + 10);
    big << "x";
  }
  refused({"doc", "version", id, (scratch_ / "huge.pdf").string(), "--as", "Priya Shah"}, 4, "at most 25 MiB");
  refused({"doc", "version", id, (scratch_ / "policy.pdf").string(), "--as", "Priya Shah"}, 4, "same file");
  refused({"doc", "version", id, (scratch_ / "policy.pdf").string(), "--as", "Vic Viewer"}, 3, "viewer");
  refused({"doc", "add", (scratch_ / "policy.pdf").string(), "--title", "T", "--kind", "leaflet", "--as", "Priya Shah"},
          4, "leaflet");
  refused({"doc", "show", "DOC-00000000"}, 4, "no document");

  auto shown = server_cli({"doc", "show", id});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out)["document"]["versions"].size(), 1u) << "nothing was added";
  auto bytes = server_.admin()->files().stored_bytes();
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, 64u * 1024) << "no refused file was kept";

  // A branch's people add nothing to head office's shared library, and acknowledge only what exists.
  ASSERT_TRUE(client::sync_once(*york));
  auto into_shared = york->add_document_version(id, {"mine.pdf", as_bytes(pdf_of(4096, "mine", 5)), ""});
  ASSERT_FALSE(into_shared);
  EXPECT_NE(into_shared.error().message.find("only to that branch's own"), std::string::npos)
      << into_shared.error().message;
  auto no_version = york->acknowledge_document(id, 7);
  ASSERT_FALSE(no_version);
  EXPECT_NE(no_version.error().message.find("has no version 7"), std::string::npos) << no_version.error().message;
  auto bad_name = york->attach_document({"Rota", "evidence", std::nullopt, std::nullopt, std::nullopt},
                                        {"../../etc/rota.txt", as_bytes(std::string("rota")), ""});
  ASSERT_FALSE(bad_name);
  auto mine = york->documents();
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->size(), 1u) << "only head office's policy";
}

TEST_F(Documents, TheQuotaIsShownAndSetAndAnUploadOverItIsRefused) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  auto usage = server_cli({"doc", "quota"});
  ASSERT_EQ(usage.code, 0) << usage.err;
  EXPECT_EQ(json::parse(usage.out)["stored_bytes"], 0);
  EXPECT_EQ(json::parse(usage.out)["quota_bytes"], limits::kDefaultFileQuotaBytes);

  write(scratch_ / "policy.pdf", pdf_of(64 * 1024, "first", 7));
  add_policy(scratch_ / "policy.pdf");
  const auto refused = [&](const std::vector<std::string>& args, int code, const std::string& says) {
    auto run = server_cli(args);
    EXPECT_EQ(run.code, code) << run.out << run.err;
    EXPECT_NE(run.err.find(says), std::string::npos) << run.err;
  };
  refused({"doc", "quota", "--set", "20 GiB"}, 4, "not a size");
  refused({"doc", "quota", "--set", "1MiB"}, 4, "from 25.0 MiB");
  refused({"doc", "quota", "--set", "2048GiB"}, 4, "from 25.0 MiB");

  auto set = server_cli({"doc", "quota", "--set", "25MiB"});
  ASSERT_EQ(set.code, 0) << set.err;
  EXPECT_EQ(json::parse(set.out)["quota_bytes"], 25u * 1024 * 1024);
  EXPECT_EQ(json::parse(set.out)["stored_bytes"], 64u * 1024);

  // The library holds 64 KiB of its 25 MiB: a file of 25 MiB less 32 KiB does not fit.
  write(scratch_ / "plan.pdf", pdf_of(limits::kMaxFileBytes - 32 * 1024, "second", 8));
  refused({"doc", "add", (scratch_ / "plan.pdf").string(), "--title", "Business continuity plan", "--kind", "plan",
           "--as", "Priya Shah"},
          3, "quota");
  auto after = server_cli({"doc", "quota"});
  EXPECT_EQ(json::parse(after.out)["stored_bytes"], 64u * 1024) << "nothing of the refused file was kept";
  auto list = server_cli({"doc", "list"});
  EXPECT_EQ(json::parse(list.out)["documents"].size(), 1u);
}

TEST_F(Documents, ReviewDatesDueSoonArePointedOut) {
  ASSERT_TRUE(server_.admin()->add_console_user("Priya Shah", Role::admin));
  write(scratch_ / "bcp.pdf", pdf_of(8192, "continuity", 6));
  const Date soon = date_of(now_ms() + 10LL * 24 * 3600 * 1000);
  auto added = server_cli({"doc", "add", (scratch_ / "bcp.pdf").string(), "--title", "Business continuity plan",
                           "--kind", "plan", "--owner", "Priya Shah", "--review", soon.iso(), "--as", "Priya Shah"});
  ASSERT_EQ(added.code, 0) << added.err;
  auto listed = server_cli({"doc", "list"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  const json warnings = json::parse(listed.out)["review_warnings"];
  ASSERT_EQ(warnings.size(), 1u) << listed.out;
  EXPECT_EQ(warnings[0]["days_left"], 10);
  EXPECT_EQ(warnings[0]["owner"], "Priya Shah");
  EXPECT_NE(warnings[0]["text"].get<std::string>().find("Business continuity plan"), std::string::npos);
}

}  // namespace
}  // namespace dsptsync::testing
