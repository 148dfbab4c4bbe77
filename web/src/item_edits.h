// Reading an item's answer and comment from a request body, for the one-item route (app.cpp) and the
// many-items one (batch_routes.cpp) alike.
#pragma once

#include "dsptsync/web/backend.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace dsptsync::web {

// What is wrong with a part of a request, and which part ("answer", "comment"...; may be empty).
struct BodyFault {
  std::string message;
  std::string field;
};

// The name the request body gives a field, for an error's "field" (the page marks that input).
std::string body_name(Field field);

// An edit's value from a body's text: "" clears the field.
std::optional<FieldValue> value_or_clear(const std::string& text);

// The edits of `item`'s answer (with a document's location) and comment that `body` sends
// ({"answer", "location", "comment"}: "" clears), appended to `edits`; the fault otherwise.
std::optional<BodyFault> answer_edits(const ScopeSnapshot& snapshot, const CatalogueItem& item,
                                      const nlohmann::json& body, std::vector<Edit>& edits);

}  // namespace dsptsync::web
