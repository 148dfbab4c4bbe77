#include "dsptsync/password_rules.h"

#include "dsptsync/limits.h"

#include <string>

namespace dsptsync {

Status check_new_password(std::string_view password) {
  std::size_t characters = 0;
  for (unsigned char c : password) characters += (c & 0xC0) != 0x80 ? 1 : 0;
  if (characters < limits::kMinPasswordChars)
    return invalid_input("the password is " + std::to_string(characters) + " characters long; use at least " +
                         std::to_string(limits::kMinPasswordChars) + " (three random words make a strong one)");
  if (password.size() > limits::kMaxPasswordBytes)
    return invalid_input("the password is longer than " + std::to_string(limits::kMaxPasswordBytes) + " bytes");
  return {};
}

}  // namespace dsptsync
