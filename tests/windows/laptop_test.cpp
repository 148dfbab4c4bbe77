// The Windows build of the branch client (dsptsync.exe, run under Wine) against a real head office
// server on 127.0.0.1 (the Linux server code, in-process) and beside a Linux laptop: enrolment,
// work offline, sync, a conflict between the two laptops resolved on the Windows one, `dsptsync ui`
// answering HTTP, TLS with head office's own certificate, and stores in folders whose names hold
// spaces and accented letters.
#include "../common/child_process.h"
#include "../common/raw_http.h"
#include "../server/fixture.h"
#include "windows_build.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

namespace dsptsync {
namespace {

using json = nlohmann::json;
using protocol::Role;
using testing::CliRun;
using testing::RunningServer;
using testing::shell_quote;
using testing::TempDir;

// Wine starts a program in about half a second here, more on a busy machine.
constexpr auto kWineStep = std::chrono::seconds(60);

class WindowsLaptop : public ::testing::Test {
 protected:
  // dsptsync.exe on a store, the store named as Windows names it.
  CliRun windows(const std::filesystem::path& store, const std::vector<std::string>& args,
                 const std::string& environment = "") {
    return testing::run_program(environment + shell_quote(testing::kWindowsCli) + " --store " +
                                    shell_quote(testing::windows_path(store)),
                                args, scratch_.path());
  }
  // The Linux dsptsync on a store.
  CliRun linux_cli(const std::filesystem::path& store, const std::vector<std::string>& args) {
    return testing::run_program(shell_quote(DSPTSYNC_CLI) + " --store " + shell_quote(store.string()), args,
                                scratch_.path());
  }
  // A yes/no item the branch answers itself (not one of head office's shared items).
  std::string own_yes_no_item(const std::filesystem::path& store) {
    CliRun items = windows(store, {"items", "--json"});
    for (const auto& item : items.parsed()["items"])
      if (item["type"] == "yes_no" && item["scope"] == "branch") return item["id"];
    ADD_FAILURE() << "no branch yes/no item: " << items.out << items.err;
    return "";
  }
  std::optional<std::string> head_office_answer(const std::string& item) {
    auto view = server_.admin()->effective_view("VLAXL", AssessmentYear{2021});
    if (!view) throw std::runtime_error(view.error().message);
    auto found = view->answers.find(item);
    if (found == view->answers.end()) return std::nullopt;
    return found->second.value.text;
  }

  RunningServer server_;
  TempDir dir_;
  TempDir scratch_;
};

TEST_F(WindowsLaptop, EnrolsWorksOfflineAndSyncsFromAFolderWithASpaceAndAnAccent) {
  const auto store = dir_ / "Bureau de Léa" / "dsptsync store";
  CliRun enrolled =
      windows(store, {"enrol", server_.url(), server_.invite("Léa Martin", "VLAXL", Role::admin), "--json"});
  ASSERT_EQ(enrolled.code, 0) << enrolled.out << enrolled.err;
  EXPECT_TRUE(std::filesystem::exists(store / "store.db"));
  // The key file is sealed for this Windows user (DPAPI), not the bare 32 bytes of the key.
  const std::string key = testing::read_text_file(store / "store.key");
  EXPECT_EQ(key.rfind("dsptsync-dpapi-1\n", 0), 0u);
  EXPECT_GT(key.size(), 64u);
  const std::string item = own_yes_no_item(store);

  server_.stop();  // head office is out of reach: the laptop works on
  CliRun answered = windows(store, {"answer", item, "yes", "--comment", "Vérifié à Léeds", "--json"});
  ASSERT_EQ(answered.code, 0) << answered.err;
  EXPECT_EQ(answered.parsed()["changes"][1]["value"]["text"], "Vérifié à Léeds") << "UTF-8 both ways";
  EXPECT_EQ(windows(store, {"status", "--json"}).parsed()["pending"], 2);
  CliRun unreachable = windows(store, {"sync"});
  EXPECT_EQ(unreachable.code, 6) << unreachable.err;
  EXPECT_NE(unreachable.err.find("could not be reached"), std::string::npos) << unreachable.err;
  EXPECT_NE(unreachable.err.find("2 change(s) stay queued"), std::string::npos) << unreachable.err;

  server_.start();
  CliRun synced = windows(store, {"sync", "--json"});
  ASSERT_EQ(synced.code, 0) << synced.err;
  EXPECT_EQ(synced.parsed()["pushed"], 2);
  EXPECT_EQ(synced.parsed()["pending"], 0);
  EXPECT_EQ(head_office_answer(item), "yes");
  CliRun shown = windows(store, {"show", item});
  EXPECT_NE(shown.out.find("Vérifié à Léeds"), std::string::npos) << shown.out;
  EXPECT_EQ(shown.out.find('\r'), std::string::npos) << "'\\n' line ends in pipes and files";
}

TEST_F(WindowsLaptop, AConflictWithALinuxLaptopIsResolvedOnTheWindowsOne) {
  const auto windows_store = dir_ / "Sam's laptop";
  const auto linux_store = dir_ / "ann-laptop";
  ASSERT_EQ(windows(windows_store, {"enrol", server_.url(), server_.invite("Sam Patel", "VLAXL", Role::admin)}).code,
            0);
  ASSERT_EQ(linux_cli(linux_store, {"enrol", server_.url(), server_.invite("Ann Lee", "VLAXL", Role::admin)}).code, 0);
  const std::string item = own_yes_no_item(windows_store);

  // Both answer the same item, each offline, then both sync: the two edits are concurrent.
  ASSERT_EQ(windows(windows_store, {"answer", item, "yes"}).code, 0);
  ASSERT_EQ(linux_cli(linux_store, {"answer", item, "no"}).code, 0);
  ASSERT_EQ(windows(windows_store, {"sync"}).code, 0);
  ASSERT_EQ(linux_cli(linux_store, {"sync"}).code, 0);
  ASSERT_EQ(windows(windows_store, {"sync"}).code, 0);

  CliRun conflicts = windows(windows_store, {"conflicts", "--json"});
  ASSERT_EQ(conflicts.code, 0) << conflicts.err;
  ASSERT_EQ(conflicts.parsed()["conflicts"].size(), 1u) << conflicts.out;
  EXPECT_EQ(conflicts.parsed()["conflicts"][0]["target"], item);

  CliRun resolved = windows(windows_store, {"resolve", item, "--keep", "mine"});
  ASSERT_EQ(resolved.code, 0) << resolved.err;
  ASSERT_EQ(windows(windows_store, {"sync"}).code, 0);
  ASSERT_EQ(linux_cli(linux_store, {"sync"}).code, 0);
  EXPECT_EQ(linux_cli(linux_store, {"conflicts", "--json"}).parsed()["conflicts"].size(), 0u);
  EXPECT_EQ(linux_cli(linux_store, {"show", item, "--json"}).parsed()["answer"]["text"], "yes");
  EXPECT_EQ(head_office_answer(item), "yes");
}

TEST_F(WindowsLaptop, EnrolsOverTlsTrustingHeadOfficesOwnCertificate) {
  TempDir certificates;
  const auto [certificate, key] = testing::make_test_certificate(certificates);
  RunningServer tls_server({{"VLAXL", "Leeds"}}, std::pair{certificate, key});
  const auto store = dir_ / "tls laptop";
  const std::string code = tls_server.invite("Sam Patel", "VLAXL", Role::admin);
  // Without head office's certificate the Windows system's authorities do not vouch for it.
  CliRun untrusted = windows(store, {"enrol", tls_server.url(), code});
  EXPECT_EQ(untrusted.code, 6) << untrusted.err;
  EXPECT_FALSE(std::filesystem::exists(store / "store.db"));
  CliRun trusted = windows(store, {"enrol", tls_server.url(), code},
                           "DSPTSYNC_TLS_CA=" + shell_quote(testing::windows_path(certificate)) + " ");
  ASSERT_EQ(trusted.code, 0) << trusted.err;
  EXPECT_EQ(windows(store, {"status", "--json"}).parsed()["server"], tls_server.url());
}

// A request on its own connection; the answer whole.
testing::Answer http_get(std::uint16_t port, const std::string& target) {
  testing::RawHttp connection(port);
  connection.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                  "\r\nConnection: close\r\n\r\n");
  auto answer = connection.next();
  return answer ? *answer : testing::Answer{};
}

TEST_F(WindowsLaptop, TheWebAppAnswersOnLoopbackAndStopsOnCtrlC) {
  const auto store = dir_ / "Léa ui";
  ASSERT_EQ(windows(store, {"init", "--ods", "VLAXL", "--name", "Leeds", "--year", "2021-22", "--user", "Léa"}).code,
            0);
  testing::Child child = testing::start_program(
      {testing::kWindowsCli, "--store", testing::windows_path(store), "ui", "--no-open", "--json"},
      scratch_ / "ui-err");
  const std::string line = testing::read_line(child.out, kWineStep);
  const json printed = json::parse(line, nullptr, false);
  ASSERT_TRUE(printed.is_object()) << line << testing::read_text_file(scratch_ / "ui-err");
  const auto port = printed["port"].get<std::uint16_t>();
  const std::string url = printed["url"];
  const std::string sign_in = url.substr(url.find('/', 7));
  const testing::Answer signed_in = http_get(port, sign_in);
  EXPECT_EQ(signed_in.status, 303);
  EXPECT_NE(signed_in.header("set-cookie").find("HttpOnly"), std::string::npos);
  const testing::Answer page = http_get(port, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html"), std::string::npos);

  // Wine turns SIGINT into the console's Ctrl-C event: the server stops and the program ends well.
  ::kill(child.pid, SIGINT);
  EXPECT_EQ(testing::wait_for_exit(child.pid, kWineStep), 0) << testing::read_text_file(scratch_ / "ui-err");
  ::close(child.out);
  EXPECT_EQ(windows(store, {"progress", "--json"}).code, 0) << "the store is closed and usable";
}

TEST_F(WindowsLaptop, ExportsAWorkbookIntoAFolderWithAnAccent) {
  const auto store = dir_ / "store";
  ASSERT_EQ(windows(store, {"init", "--ods", "VLAXL", "--name", "Leeds", "--year", "2021-22", "--user", "Sam"}).code,
            0);
  std::filesystem::create_directories(dir_ / "Exports été");
  const auto out = dir_ / "Exports été" / "Léeds 2021-22.xlsx";
  CliRun exported = windows(store, {"export", "--out", testing::windows_path(out)});
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_EQ(testing::read_text_file(out).substr(0, 2), "PK") << "a zip container: an Office workbook";
}

}  // namespace
}  // namespace dsptsync
