#include "dsptsync/merge.h"

#include <algorithm>
#include <cctype>

namespace dsptsync {
namespace {

// Above this many tokens per side the quadratic comparison costs too much; such texts (pasted
// policies) are left as a conflict for a person, which loses nothing.
constexpr std::size_t kMaxTokens = 3000;

std::vector<std::string_view> tokens_of(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i + 1;
    if (std::isalnum(static_cast<unsigned char>(text[i])) || static_cast<unsigned char>(text[i]) >= 0x80)
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || static_cast<unsigned char>(text[j]) >= 0x80))
        ++j;
    tokens.push_back(text.substr(i, j - i));
    i = j;
  }
  return tokens;
}

// A change to the base: base tokens [begin, end) replaced by `replacement`.
struct Hunk {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::vector<std::string_view> replacement;
  bool operator==(const Hunk& other) const {
    return begin == other.begin && end == other.end && replacement == other.replacement;
  }
};

// The hunks that turn `base` into `edited`, from a longest common subsequence.
std::vector<Hunk> diff(const std::vector<std::string_view>& base, const std::vector<std::string_view>& edited) {
  const std::size_t n = base.size(), m = edited.size();
  std::vector<std::vector<std::uint16_t>> lcs(n + 1, std::vector<std::uint16_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = base[i] == edited[j] ? static_cast<std::uint16_t>(lcs[i + 1][j + 1] + 1)
                                       : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<Hunk> hunks;
  std::size_t i = 0, j = 0;
  std::optional<Hunk> open;
  auto close = [&] {
    if (open) hunks.push_back(std::move(*open));
    open.reset();
  };
  while (i < n || j < m) {
    if (i < n && j < m && base[i] == edited[j]) {
      close();
      ++i;
      ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      if (!open) open = Hunk{i, i, {}};
      open->replacement.push_back(edited[j++]);
    } else {
      if (!open) open = Hunk{i, i, {}};
      open->end = ++i;
    }
  }
  close();
  return hunks;
}

}  // namespace

std::optional<std::string> merge_text(std::string_view base, std::string_view ours, std::string_view theirs) {
  if (ours == theirs) return std::string(ours);
  if (ours == base) return std::string(theirs);
  if (theirs == base) return std::string(ours);
  const auto base_tokens = tokens_of(base), our_tokens = tokens_of(ours), their_tokens = tokens_of(theirs);
  if (base_tokens.size() > kMaxTokens || our_tokens.size() > kMaxTokens || their_tokens.size() > kMaxTokens)
    return std::nullopt;
  const auto our_hunks = diff(base_tokens, our_tokens);
  const auto their_hunks = diff(base_tokens, their_tokens);

  // Walk both hunk lists in base order; hunks that overlap or touch the same spot conflict
  // (unless they are the same change made twice).
  std::string merged;
  std::size_t position = 0, a = 0, b = 0;
  auto emit_base_until = [&](std::size_t until) {
    for (; position < until; ++position) merged += base_tokens[position];
  };
  auto apply = [&](const Hunk& hunk) {
    emit_base_until(hunk.begin);
    for (auto token : hunk.replacement) merged += token;
    position = hunk.end;
  };
  while (a < our_hunks.size() || b < their_hunks.size()) {
    if (a < our_hunks.size() && b < their_hunks.size()) {
      const Hunk& x = our_hunks[a];
      const Hunk& y = their_hunks[b];
      if (x == y) {
        apply(x);
        ++a;
        ++b;
        continue;
      }
      const bool touch = x.begin <= y.end && y.begin <= x.end;
      if (touch) return std::nullopt;
      if (x.begin < y.begin) apply(our_hunks[a++]);
      else apply(their_hunks[b++]);
    } else if (a < our_hunks.size()) {
      apply(our_hunks[a++]);
    } else {
      apply(their_hunks[b++]);
    }
  }
  emit_base_until(base_tokens.size());
  return merged;
}

}  // namespace dsptsync
