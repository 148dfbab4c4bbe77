// The starting corpus a fuzz target's seed program writes (each fuzz_*.cpp built with
// DSPTSYNC_FUZZ_WRITE_SEEDS): named inputs, each into its own file of the folder given on the
// command line.
#pragma once

#include "dsptsync/change.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dsptsync::fuzz {

// A realistic answer change (accents, a UNC location, parents, a hybrid clock): the seed programs
// start from it and vary it.
inline Change sample_change() {
  Change change;
  change.id = "3f9a1c07d2e64b5a9e0c11d4a7b2f6e8:1042";
  change.key = FieldKey{"V8X4R", "2021-22", TargetKind::item, "1.3.5", Field::answer};
  change.value = FieldValue{"Reviewed by Siân — data flows mapped", "\\\\fileserver\\IG"};
  change.parents = {"aa:1", "bb:2"};
  change.hlc = (std::uint64_t{1656580502000} << 16) | 7;
  change.user = "Zoë Müller";
  change.device = "3f9a1c07d2e64b5a9e0c11d4a7b2f6e8";
  return change;
}

// The folder of `argv`, created if missing; nullopt (after printing the usage) when none was given.
inline std::optional<std::filesystem::path> corpus_folder(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return std::nullopt;
  }
  std::filesystem::path folder(argv[1]);
  std::filesystem::create_directories(folder);
  return folder;
}

// Writes each seed; the exit code for main: 0, or 1 when a file could not be written.
template <class Bytes>
int write_seeds(const std::filesystem::path& folder, const std::vector<std::pair<std::string, Bytes>>& seeds) {
  for (const auto& [name, bytes] : seeds) {
    std::ofstream file(folder / name, std::ios::binary);
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!file) {
      std::perror((folder / name).c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace dsptsync::fuzz
