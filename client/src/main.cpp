#include "dsptsync/client/cli.h"

#include <iostream>

int main(int argc, char** argv) { return dsptsync::client::run_cli(argc, argv, std::cout, std::cerr); }
