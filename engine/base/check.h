#pragma once
// TOPO_CHECK: invariant checks inside the engine. A failed check is a bug in topo,
// not bad input; it aborts with the condition and location. Bad input is a Status.

#include <cstdio>
#include <cstdlib>

#define TOPO_CHECK(cond)                                                                             \
  do {                                                                                               \
    if (!(cond)) {                                                                                   \
      std::fprintf(stderr, "topo: internal check failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                                  \
    }                                                                                                \
  } while (0)
