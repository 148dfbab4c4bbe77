// The server CLI's commands for what leaves head office (docs/cli.md, docs/head-office.md): publish,
// the publications made, exports, and a publication's printable certificate.
#include "cli_support.h"

#include "dsptsync/cli/export_options.h"
#include "dsptsync/export.h"
#include "dsptsync/report.h"
#include "dsptsync/service/head_office_json.h"
#include "dsptsync/service/json.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace dsptsync::server {
namespace {

json publication_json(const Publication& publication) { return service::to_json(publication, JsonStyle::cli); }

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ','))
    if (part.find_first_not_of(" \t") != std::string::npos) parts.push_back(part);
  return parts;
}

struct PublishOptions {
  std::string year, branches, as;
  bool all_ready = false, dry_run = false;
};

Output publish_output(const PublishOutcome& outcome, const PublishOptions& o) {
  std::ostringstream text;
  for (const auto& warning : outcome.warnings) text << "Warning: " << warning << "\n";
  std::size_t blocked = 0;
  for (const auto& site : outcome.sites) {
    blocked += site.blocking.empty() ? 0 : 1;
    text << site.name << " (" << site.ods << "): " << public_status(site.evaluation.year, site.evaluation.status) << "\n";
    for (const auto& problem : site.blocking) text << "  - " << problem.message << "\n";
  }
  const json data = service::to_json(outcome, JsonStyle::cli);
  if (outcome.published) {
    text << "Published publication " << outcome.publication.id << " for " << outcome.sites.size()
         << (outcome.sites.size() == 1 ? " site" : " sites") << "; certificates: 'dsptsync-server certificate "
         << "--publication " << outcome.publication.id << " --branch CODE --out FILE.html'\n"
         << service::kNhsHandOff << "\n";
    return Output{data, text.str()};
  }
  if (blocked == 0) {
    text << "Dry run: nothing was recorded\n";
    return Output{data, text.str()};
  }
  Output refused_output{data, text.str()};
  refused_output.failure =
      o.all_ready ? refused("no branch can be published yet (each one's problems are above); nothing was recorded")
                  : refused("the publish was refused: " + std::to_string(blocked) + " of " +
                            std::to_string(outcome.sites.size()) +
                            " sites cannot be published (problems above); nothing was recorded. Fix them, or "
                            "leave those branches out and include them in a later publication");
  return refused_output;
}

void add_publish(ServerCli& cli) {
  auto& o = cli.line.keep<PublishOptions>();
  auto* cmd = cli.line.app().add_subcommand("publish", "publish once for the selected branches, each with its own status");
  cmd->add_option("--year", o.year, "the assessment year to publish, e.g. 2021-22")->required();
  auto* branches_option =
      cmd->add_option("--branches", o.branches, "comma-separated site codes (the HQ code for head office's own)");
  auto* all_ready_option = cmd->add_flag("--all-ready", o.all_ready, "every branch that can be published now");
  branches_option->excludes(all_ready_option);
  cmd->add_flag("--dry-run", o.dry_run, "check and show each branch's status; record nothing");
  add_as_option(cmd, o.as, "administrator");
  cli.on_acting_run(cmd, o.as, [&o](HeadOffice& office, const User& user) -> Result<Output> {
    PublishRequest request{o.year, split_commas(o.branches), o.all_ready, o.dry_run};
    if (!o.all_ready && request.sites.empty())
      return invalid_input("say which branches to publish: --branches VLAXL,VM2B3, or --all-ready");
    auto outcome = office.publish(user, request, date_of(now_ms()));
    if (!outcome) return outcome.error();
    return publish_output(*outcome, o);
  });
}

Result<Output> publications_output(HeadOffice& office) {
  auto list = office.publications();
  if (!list) return list.error();
  json out = json::array();
  std::ostringstream text;
  for (const auto& publication : *list) {
    out.push_back(publication_json(publication));
    text << "Publication " << publication.id << ", " << publication.year << ", "
         << format_timestamp(publication.published_at) << " by " << publication.published_by << "\n";
    for (const auto& site : publication.sites)
      text << "  " << site.ods << "  " << site.public_status << "  (" << site.name << ")\n";
  }
  if (list->empty()) text << "Nothing signed off yet\n";
  else text << service::kNhsHandOff << "\n";
  auto nhs = office.nhs_publications();
  if (!nhs) return nhs.error();
  const json records = service::nhs_publications_json(*nhs, JsonStyle::cli);
  text << "\nOn the NHS website, as recorded by head office:\n";
  for (std::size_t i = 0; i < nhs->size(); ++i) {
    const NhsPublication& record = (*nhs)[i];
    text << "  " << record.ods << "  " << record.public_status << ", published " << record.published_on << "  ("
         << record.name << "; recorded by " << (record.recorded_by.empty() ? "the console" : record.recorded_by) << ")"
         << (records[i]["current"].get<bool>() ? "" : "  [corrected by a later record]") << "\n";
  }
  if (nhs->empty()) text << "  nothing recorded yet ('dsptsync-server nhs-published' records a publication)\n";
  return Output{{{"publications", out}, {"hand_off", service::kNhsHandOff}, {"nhs_publications", records}}, text.str()};
}

struct NhsPublishedOptions {
  service::NhsPublicationRequest request;
  std::string as;
};

Output nhs_published_output(const service::NhsPublicationOutcome& outcome) {
  const NhsPublication& record = outcome.record;
  std::ostringstream text;
  text << "Recorded: " << record.name << " (" << record.ods << ") is published on the NHS website as "
       << record.public_status << " since " << record.published_on << "\n";
  for (const auto& warning : outcome.warnings) text << "Warning: " << warning << "\n";
  return Output{service::to_json(outcome, JsonStyle::cli), text.str()};
}

void add_nhs_published(ServerCli& cli) {
  auto& o = cli.line.keep<NhsPublishedOptions>();
  auto* cmd = cli.line.app().add_subcommand(
      "nhs-published", "record that a site's assessment is published on the NHS toolkit website, as it shows there");
  cmd->add_option("site", o.request.site, "the branch's V code, or the HQ code for head office's own")->required();
  cmd->add_option("--year", o.request.year, "the assessment year published, e.g. 2026-27")->required();
  cmd->add_option("--on", o.request.published_on, "the date the NHS website shows, YYYY-MM-DD")->required();
  cmd->add_option("--status", o.request.status, "the status it shows, e.g. \"Standards Met\"")->required();
  add_as_option(cmd, o.as, "administrator");
  cli.on_acting_run(cmd, o.as, [&o](HeadOffice& office, const User& user) -> Result<Output> {
    auto outcome = office.record_nhs_publication(user, o.request, date_of(now_ms()));
    if (!outcome) return outcome.error();
    return nhs_published_output(*outcome);
  });
}

struct ExportOptions {
  std::string branch, format, out, year, pack;
  cli::ExportChoice content;
};

Result<Output> pack_output(HeadOffice& office, const ExportOptions& options) {
  auto pack = office.evidence_pack(options.branch.empty() ? std::nullopt : std::optional<std::string>(options.branch));
  if (!pack) return pack.error();
  if (auto written = write_evidence_pack(*pack, options.pack); !written) return written.error();
  json documents = json::array();
  std::size_t missing = 0;
  for (const auto& document : pack->documents) {
    missing += document.content ? 0 : 1;
    documents.push_back({{"id", document.id},
                         {"title", document.title},
                         {"version", document.version},
                         {"hash", document.hash},
                         {"file", document.content ? json(pack_entry_name(document)) : json(nullptr)},
                         {"missing", !document.content}});
  }
  std::string text = "Wrote the evidence pack of " + pack->site_name + " (" + pack->ods + ") to " + options.pack +
                     ": the assessment and " + std::to_string(pack->documents.size() - missing) + " document" +
                     (pack->documents.size() - missing == 1 ? "" : "s") + "\n";
  for (const auto& document : pack->documents)
    if (!document.content)
      text += "Missing: " + document.title + " (" + document.id + " version " + std::to_string(document.version) +
              "): the file has not reached head office yet\n";
  return Output{{{"out", options.pack},
                 {"scope", pack->ods},
                 {"year", pack->year},
                 {"content", "pack"},
                 {"workbook", pack->workbook_name},
                 {"documents", std::move(documents)}},
                text};
}

Result<Output> export_output(HeadOffice& o, const ExportOptions& options, ExportFormat format) {
  auto year = options.year.empty() ? Result<AssessmentYear>(o.year()) : parse_assessment_year(options.year);
  if (!year) return year.error();
  auto scope = o.scope_of(options.branch.empty() ? std::nullopt : std::optional<std::string>(options.branch));
  if (!scope) return scope.error();
  auto catalogue = o.catalogue_for(*year);
  if (!catalogue) return catalogue.error();
  auto view = o.effective_view(*scope, *year);
  if (!view) return view.error();
  std::string site_name = o.name();
  if (*scope != o.hq().code) {
    auto found = o.directory().branch(*scope);
    if (!found) return found.error();
    if (*found) site_name = (*found)->name;
  }
  // The site's incidents as head office lists them (export_document keeps the year's).
  auto incidents = o.incidents({*scope}, now_ms());
  if (!incidents) return incidents.error();
  const auto document = export_document(*catalogue, *view, evaluate(*catalogue, *view, date_of(now_ms())),
                                        {o.name(), o.hq().code, *scope, site_name}, *incidents);
  const ExportContent content = options.content.content();
  if (auto written = write_export(document, content, format, options.out); !written) return written.error();
  const std::size_t rows = export_rows(document, content);
  return Output{
      {{"out", options.out},
       {"format", to_string(format)},
       {"scope", *scope},
       {"year", year->label()},
       {"content", to_string(content)},
       {"rows", rows}},
      "Wrote " + cli::rows_text(rows, content) + " of " + site_name + " (" + *scope + ") to " + options.out + "\n"};
}

void add_export(ServerCli& cli) {
  auto& o = cli.line.keep<ExportOptions>();
  auto* cmd = cli.line.app().add_subcommand("export", "export head office's or a branch's effective assessment "
                                                      "(.xlsx, .csv or .json)");
  cmd->add_option("--branch", o.branch, "a branch's effective assessment (default: head office's)");
  o.content.add_to(cmd);
  cmd->add_option("--format", o.format, "xlsx, csv or json (default: from the file's extension)");
  auto* out = cmd->add_option("--out", o.out, "the file to write");
  auto* year = cmd->add_option("--year", o.year, "assessment year (default: the organisation's current year)");
  auto* pack = cmd->add_option("--pack", o.pack,
                               "write the evidence pack instead (.zip): the assessment workbook and every library "
                               "document linked to its items");
  pack->excludes(out)->excludes(year)->excludes("--format")->excludes("--plan")->excludes("--incidents");
  // One of the two is the file to write: without either, a usage error like any missing option.
  cmd->parse_complete_callback([out, pack] {
    if (!out->count() && !pack->count()) throw CLI::RequiredError("--out (or --pack for the evidence pack)");
  });
  cli.line.on_run(cmd, [&o, &global = cli.global]() -> Result<Output> {
    if (!o.pack.empty()) return with_head_office(global, [&o](HeadOffice& office) { return pack_output(office, o); });
    auto format = export_format_for(o.out, o.format.empty() ? std::nullopt : std::optional<std::string>(o.format));
    if (!format) return format.error();
    return with_head_office(global, [&o, &format](HeadOffice& office) { return export_output(office, o, *format); });
  });
}

struct CertificateOptions {
  std::int64_t publication = 0;
  std::string branch, out;
};

Result<Output> certificate_output(HeadOffice& office, const CertificateOptions& o) {
  std::string ods;
  if (!o.branch.empty()) {
    auto code = parse_ods_code(o.branch);
    if (!code) return code.error();
    ods = code->code;
  }
  using Missing = service::CertificateLookup::Missing;
  auto page = office.certificate(o.publication, ods);
  if (!page) return page.error();
  const std::string publication = std::to_string(o.publication);
  switch (page->missing) {
    case Missing::nothing: break;
    case Missing::publication:
      return not_found("there is no publication " + publication + "; 'dsptsync-server publications' lists them");
    case Missing::which_site:
      return invalid_input("publication " + publication + " covers " + std::to_string(page->sites) +
                           " sites; say which with --branch");
    case Missing::site:
      return not_found(ods + " is not in publication " + publication +
                       "; 'dsptsync-server publications' shows which sites each covers");
  }
  const auto parent = std::filesystem::path(o.out).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent))
    return invalid_input("the folder " + parent.string() + " does not exist; create it or choose another --out");
  std::ofstream file(o.out, std::ios::binary | std::ios::trunc);
  if (!file || !(file << page->html) || !file.flush()) return io_error("cannot write " + o.out);
  return Output{{{"out", o.out}, {"publication", page->publication}, {"ods", page->ods},
                 {"public_status", page->public_status}},
                "Wrote the certificate of " + page->name + " (" + page->ods + "), " + page->public_status + ", to " +
                    o.out + "\n"};
}

void add_certificate(ServerCli& cli) {
  auto& o = cli.line.keep<CertificateOptions>();
  auto* cmd = cli.line.app().add_subcommand("certificate", "a printable certificate (HTML) of one site's publication");
  cmd->add_option("--publication", o.publication, "the publication's number")->required();
  cmd->add_option("--branch", o.branch, "the site (required when the publication has several)");
  cmd->add_option("--out", o.out, "the HTML file to write")->required();
  cli.on_office_run(cmd, [&o](HeadOffice& office) { return certificate_output(office, o); });
}

}  // namespace

void add_publishing_commands(ServerCli& cli) {
  add_publish(cli);
  cli.on_office_run(cli.line.app().add_subcommand("publications", "every publication made (previous publications)"),
                    publications_output);
  add_export(cli);
  add_certificate(cli);
  add_nhs_published(cli);
}

}  // namespace dsptsync::server
