#include "dsptsync/server/cli.h"

#include <iostream>

int main(int argc, char** argv) { return dsptsync::server::run_server_cli(argc, argv, std::cout, std::cerr); }
