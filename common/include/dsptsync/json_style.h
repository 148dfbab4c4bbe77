// The two styles of dsptsync's JSON, each a contract of its own that users script against:
// - cli: the command lines' --json (docs/cli.md): snake_case keys, times as ISO 8601 text.
// - api: the web API (docs/api.md): camelCase keys, times as milliseconds with the text beside them
//   ("at", "atText").
// A serialiser takes the style and writes one document per type in either; a key added to a type is
// added in both styles at once.
#pragma once

namespace dsptsync {

enum class JsonStyle { cli, api };

}  // namespace dsptsync
