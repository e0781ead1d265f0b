#pragma once
// source(topics, key=, value=, timestamp=): reads records of one or more
// topics, decodes key and value with the topic's codecs (or the overrides),
// and sets the record's event time from the `timestamp` expression when given
// (it must yield epoch milliseconds as an int). A payload that does not decode
// is an error of this node: its policy applies (the default `fail` stops the
// task naming topic, partition and offset).

#include <memory>

#include "engine/runtime/operator.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileSource(runtime::CompileContext& ctx);

}  // namespace topo::operators
