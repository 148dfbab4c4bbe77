// Runs a fuzz target's checks over saved inputs, without libFuzzer: the normal build links each
// target with this file, and the suite replays tools/fuzz/corpus/<target>/ through it (every input
// a fuzzing run found worth keeping, and every input that once failed), so the checks hold on every
// build, with any compiler. Arguments are files or directories of files; exit 1 on an unreadable one.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool replay(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file.good() && !file.eof()) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::filesystem::path> inputs;
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& entry : std::filesystem::directory_iterator(argv[i]))
        if (entry.is_regular_file()) inputs.push_back(entry.path());
    } else {
      inputs.emplace_back(argv[i]);
    }
    for (const auto& input : inputs) {
      if (!replay(input)) return 1;
      ++replayed;
    }
  }
  std::printf("replayed %zu inputs, every check held\n", replayed);
  return replayed == 0 ? 1 : 0;
}
