#include "dsptsync/platform.h"
#include "dsptsync/server/cli.h"

#include <iostream>

int main(int argc, char** argv) {
  // The data folder, databases, WAL, backups and key files are for the service account only.
  dsptsync::platform::keep_new_files_private();
  return dsptsync::server::run_server_cli(argc, argv, std::cout, std::cerr);
}
