#include "dsptsync/command_output.h"

#include <ostream>

namespace dsptsync {

int report_command(std::string_view program, const std::function<Result<CommandOutput>()>& run, bool as_json,
                   std::ostream& out, std::ostream& err) {
  Result<CommandOutput> result = [&]() -> Result<CommandOutput> {
    try {
      return run();
    } catch (const std::exception& e) {
      return make_error(ErrorKind::internal, std::string("unexpected failure: ") + e.what());
    }
  }();
  if (!result) {
    const Error& error = result.error();
    if (as_json)
      out << nlohmann::json{{"error", {{"kind", to_string(error.kind)}, {"message", error.message}}}}.dump(2) << "\n";
    err << program << ": " << error.message << "\n";
    return exit_code_for(error.kind);
  }
  if (as_json) {
    if (!result->data.is_null()) out << result->data.dump(2) << "\n";
  } else {
    out << result->text;
  }
  if (result->failure) {
    err << program << ": " << result->failure->message << "\n";
    return exit_code_for(result->failure->kind);
  }
  return 0;
}

}  // namespace dsptsync
