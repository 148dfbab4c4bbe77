// `dsptsync answer --document` and the `documents` of `show` and `items`, on a real store folder
// (docs/documents.md#items-and-the-library): an item answered with one of the site's library
// documents, and a document listing the items it answers, show on the item; a link to a document the
// site does not have, or a malformed one, is refused and changes nothing.
#include "../common/cli_runner.h"
#include "../common/sample_files.h"
#include "../common/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace dsptsync {
namespace {

using nlohmann::json;
using testing::CliRun;
using testing::pdf_with;
using testing::run_program;
using testing::shell_quote;
using testing::TempDir;

class LibraryLinksCli : public ::testing::Test {
 protected:
  CliRun run(const std::vector<std::string>& args) {
    return run_program(std::string(DSPTSYNC_CLI) + " --json --store " + shell_quote(dir.path().string() + "/store"),
                       args, dir.path());
  }
  void SetUp() override {
    ASSERT_EQ(
        run({"init", "--ods", "VLAXL", "--name", "Leeds branch", "--year", "2021-22", "--user", "Sam Patel"}).code, 0);
  }
  // A document of the site's own with a PDF file; its id.
  std::string attach(const std::string& title, const std::vector<std::string>& items) {
    const auto file = dir.path() / "policy.pdf";
    std::ofstream(file, std::ios::binary) << pdf_with(title, 500);
    std::vector<std::string> args{"doc", "attach", file.string(), "--title", title, "--kind", "policy"};
    for (const auto& item : items) args.insert(args.end(), {"--item", item});
    auto attached = run(args);
    EXPECT_EQ(attached.code, 0) << attached.err;
    return attached.code == 0 ? json::parse(attached.out)["document"]["id"].get<std::string>() : "";
  }
  TempDir dir;
};

TEST_F(LibraryLinksCli, AnAnswersLibraryDocumentAndADocumentsItemsShowOnTheItem) {
  const std::string policy = attach("Data protection policy", {});
  const std::string procedure = attach("Records procedure", {"1.1.2", "1.1.1"});

  auto answered = run({"answer", "1.1.2", "Data protection policy", "--document", policy});
  ASSERT_EQ(answered.code, 0) << answered.err;
  EXPECT_EQ(json::parse(answered.out)["changes"][0]["value"]["location"], "library:" + policy);

  auto shown = run({"show", "1.1.2"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  const json documents = json::parse(shown.out)["documents"];
  ASSERT_EQ(documents.size(), 2u) << shown.out;
  EXPECT_EQ(documents[0]["id"], policy) << "the answer's document first";
  EXPECT_EQ(documents[0]["title"], "Data protection policy");
  EXPECT_EQ(documents[0]["version"], 1);
  EXPECT_EQ(documents[0]["review_by"], nullptr);
  EXPECT_EQ(documents[0]["site"], "VLAXL");
  EXPECT_EQ(documents[1]["id"], procedure);
  auto text = run_program(std::string(DSPTSYNC_CLI) + " --store " + shell_quote(dir.path().string() + "/store"),
                          {"show", "1.1.2"}, dir.path());
  EXPECT_NE(text.out.find("Document: Data protection policy (" + policy + ", version 1)"), std::string::npos)
      << text.out;

  auto items = run({"items"});
  ASSERT_EQ(items.code, 0) << items.err;
  const json listed = json::parse(items.out)["items"];
  int checked = 0;
  for (const auto& item : listed) {
    if (item["id"] == "1.1.1") {
      ASSERT_EQ(item["documents"].size(), 1u) << item.dump();
      EXPECT_EQ(item["documents"][0]["id"], procedure);
      ++checked;
    }
    if (item["id"] == "1.1.5") {
      EXPECT_TRUE(item["documents"].empty()) << item.dump();
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);
}

// `doc open` writes a plain copy for the usual program to show, readable by this user only; the
// copies it wrote more than a day ago go at the next `doc open`, so plain copies of policies do not
// pile up beside the encrypted store.
TEST_F(LibraryLinksCli, DocOpenWritesAnOwnerOnlyCopyAndRemovesCopiesOlderThanADay) {
  const std::string policy = attach("Data protection policy", {});
  const auto opened = dir.path() / "store" / "opened";
  std::filesystem::create_directories(opened);
  const auto stale = opened / "DOC-00000001-v1.pdf", recent = opened / "DOC-00000002-v1.pdf";
  std::ofstream(stale) << "a copy opened two days ago";
  std::ofstream(recent) << "a copy opened an hour ago";
  const auto now = std::filesystem::file_time_type::clock::now();
  std::filesystem::last_write_time(stale, now - std::chrono::hours(48));
  std::filesystem::last_write_time(recent, now - std::chrono::hours(1));

  // No display: the copy is written and nothing is launched.
  auto open = run_program("env -u DISPLAY -u WAYLAND_DISPLAY " + std::string(DSPTSYNC_CLI) + " --json --store " +
                              shell_quote(dir.path().string() + "/store"),
                          {"doc", "open", policy}, dir.path());
  ASSERT_EQ(open.code, 0) << open.err;
  const std::filesystem::path copy = json::parse(open.out)["out"].get<std::string>();
  EXPECT_EQ(copy.parent_path(), opened);
  EXPECT_EQ(testing::read_text_file(copy), pdf_with("Data protection policy", 500));
  const auto others = std::filesystem::perms::group_all | std::filesystem::perms::others_all;
  EXPECT_EQ(std::filesystem::status(copy).permissions() & others, std::filesystem::perms::none);
  EXPECT_FALSE(std::filesystem::exists(stale)) << "older than a day: removed";
  EXPECT_TRUE(std::filesystem::exists(recent)) << "an hour old: perhaps still open in its program";
}

TEST_F(LibraryLinksCli, ALinkToADocumentTheSiteDoesNotHaveIsRefusedAndChangesNothing) {
  const std::string policy = attach("Data protection policy", {});
  const auto refused = [&](const std::vector<std::string>& args, int code, const std::string& says) {
    auto run_result = run(args);
    EXPECT_EQ(run_result.code, code) << run_result.out << run_result.err;
    EXPECT_NE(run_result.err.find(says), std::string::npos) << run_result.err;
  };
  refused({"answer", "1.1.2", "Policy", "--document", "DOC-0000ABCD"}, 4, "DOC-0000ABCD");
  refused({"answer", "1.1.2", "Policy", "--location", "library:the-policy.pdf"}, 4, "library:DOC-");
  refused({"answer", "1.1.2", "Policy", "--document", "policy.pdf"}, 4, "library:DOC-");
  refused({"answer", "2.1.1", "yes", "--document", policy}, 4, "not a document answer");
  EXPECT_EQ(run({"answer", "1.1.2", "Policy", "--document", policy, "--location", "x"}).code, 2);
  auto shown = run({"show", "1.1.2"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out)["answer"], nullptr) << "nothing was recorded";
  EXPECT_TRUE(json::parse(shown.out)["documents"].empty());
  // A free location is still a free location.
  ASSERT_EQ(run({"answer", "1.1.2", "Policy", "--location", "https://intranet.example/dp.pdf"}).code, 0);
}

}  // namespace
}  // namespace dsptsync
