// The `dsptsync-server` command line (docs/cli.md): head office administration and the sync
// service. Every command prints text, or JSON with --json, and returns the documented exit code.
#pragma once

#include <iosfwd>

namespace dsptsync::server {

int run_server_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace dsptsync::server
