#pragma once
// JSON text for the json(), parse_json(), string(), concat() and hash()
// functions. The expression layer links only topo_value, so it carries this
// small writer and reader rather than reaching into serde.
//
// Writing: decimals are bare JSON numbers (exact digits, "16.50"), doubles use
// their shortest round-trip form, NaN and infinities become null, bytes become a
// base64 string. Reading: integers that fit become int, other numbers double;
// duplicate object keys keep the last value.
//
// Thread-safety: functions of their inputs.

#include <string>
#include <string_view>

#include "engine/base/status.h"
#include "engine/value/value.h"

namespace topo::expr {

void AppendJson(std::string& out, const Value& v);
// Shortest round-trip text of a double ("16.49", "1e+21"); "NaN", "Infinity" for those.
void AppendDouble(std::string& out, double d);
Result<Value> ParseJson(std::string_view text);

}  // namespace topo::expr
