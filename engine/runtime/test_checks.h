#pragma once
// Checks of a topology's declared tests (topo.test(...)), part of validation:
// test names are unique; every record names a declared topic; an explicit
// partition is within the topic's partition count; a key and a value can be
// encoded with the topic's codecs (an int64 key given as a string, an object
// for a 'string' value, a protobuf value with fields its message lacks), and
// numbers are exact (test_runner.h's CheckTestValue: no number Jsonnet rounded,
// no topo.decimal that is not a decimal). Each
// problem is a diagnostic at the record's line (plan::LoadedTopology::RecordLine),
// together with the mistyped fields the loader found (LoadedTopology::problems).
//
// Separate from CompiledTopology::Compile, which compiles the graph only (a
// test driver may pipe any record): the CLI runs both, so `topo validate`,
// `test`, `describe` and `run` refuse a file whose tests are malformed.

#include "engine/plan/diagnostic.h"
#include "engine/plan/loader.h"

namespace google::protobuf {
class DescriptorPool;
}

namespace topo::runtime {

// Appends every problem of `topology`'s tests to *diags; `protos` resolves
// protobuf codecs (EmbeddedProtos()). Works on a topology that does not
// compile too, so all problems of a file are reported at once.
void CheckDeclaredTests(const plan::LoadedTopology& topology, const google::protobuf::DescriptorPool* protos,
                        plan::Diagnostics* diags);

}  // namespace topo::runtime
