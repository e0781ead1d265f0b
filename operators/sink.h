#pragma once
// sink(input, topic, key=, value=, partition=): encodes records with the
// topic's codecs and writes them. The partition is the `partition` expression
// when given (an int in [0, partitions)), otherwise murmur2 of the key bytes
// like the Kafka Java client's default partitioner; null keys rotate over the
// partitions. A value that the codec cannot encode is an error of this node,
// and so is a record larger than the topic's max.message.bytes (Kafka's
// record-batch size, engine/log/record_size.h; default 1048588): the sink's
// onError policy decides (the dead letter holds the input, not the output).

#include <memory>

#include "engine/runtime/operator.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileSink(runtime::CompileContext& ctx);

}  // namespace topo::operators
