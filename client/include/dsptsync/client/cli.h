// The `dsptsync` command line (docs/cli.md): every command prints text, or JSON with --json, and
// returns the documented exit code.
#pragma once

#include <iosfwd>

namespace dsptsync::client {

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace dsptsync::client
