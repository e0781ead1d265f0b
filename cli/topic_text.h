#pragma once
// How `describe` and `topics` show a topic's spec: one text line, or JSON.

#include <cstdint>
#include <string>

#include "engine/runtime/physical_plan.h"
#include "engine/value/value.h"

namespace topo::cli {

// A retention in the largest unit that divides it ("30d", "90m"), or "forever" (< 0).
std::string Retention(int64_t ms);

// One topic's spec on a line, its name padded to `width` (and its extra configs on the next).
void PrintTopicSpec(const runtime::TopicSpec& ts, int width);

// {"name", "role", ["node"], "partitions", "key", "value", "cleanup", "retention_ms",
//  "max_record_bytes", "config"}
Value TopicSpecJson(const runtime::TopicSpec& ts);

}  // namespace topo::cli
