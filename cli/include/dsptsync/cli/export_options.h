// What an export holds, as both command lines choose it (`dsptsync export`, `dsptsync-server export`):
// the assessment (the default), --plan or --incidents, declared once so the names cannot drift
// (docs/cli.md).
#pragma once

#include "dsptsync/export.h"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

namespace dsptsync::cli {

struct ExportChoice {
  bool plan = false;
  bool incidents = false;
  // Adds --plan and --incidents (either, not both).
  void add_to(CLI::App* command);
  ExportContent content() const;
};

// What the file holds, as the command's text says it: "42 items", "1 plan line", "2 incidents".
std::string rows_text(std::size_t rows, ExportContent content);

}  // namespace dsptsync::cli
