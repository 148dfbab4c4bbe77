// The rules a new web app password meets, however it is given: typed at the server's terminal
// (`dsptsync-server user passwd`) or on the page a one-time set-password link opens. One function,
// so the two doors can never accept different passwords.
#pragma once

#include "dsptsync/error.h"

#include <string_view>

namespace dsptsync {

// invalid_input, saying what to change, when the password is shorter than limits.h
// kMinPasswordChars characters (UTF-8 characters, not bytes) or longer than kMaxPasswordBytes bytes.
Status check_new_password(std::string_view password);

}  // namespace dsptsync
