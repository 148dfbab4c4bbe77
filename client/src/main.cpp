#include "dsptsync/client/cli.h"
#include "dsptsync/platform.h"

#include <iostream>

int main(int argc, char** argv) {
  dsptsync::platform::prepare_console();
  // The store, its WAL, key file and exports are for this account only.
  dsptsync::platform::keep_new_files_private();
  const std::vector<std::string> arguments = dsptsync::platform::utf8_arguments(argc, argv);
  std::vector<const char*> pointers;
  for (const auto& argument : arguments) pointers.push_back(argument.c_str());
  const int code = dsptsync::client::run_cli(static_cast<int>(pointers.size()), pointers.data(), std::cout, std::cerr);
  if (code != 0) dsptsync::platform::keep_own_console_open();
  return code;
}
