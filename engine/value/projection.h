#pragma once
// Projection: which parts of a value a computation reads, so decoders can skip
// the rest (projection pushdown). `whole` means the value is used as a whole;
// otherwise only the listed object fields are read, each with its own
// projection. An empty, non-whole projection reads nothing.
//
// Example: `value.to_status == 'FUNDED' && value.payload.amount > 0` reads
// {to_status: whole, payload: {amount: whole}}.
//
// Thread-safety: a value type.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace topo {

struct Projection {
  bool whole = false;
  // A few names at most: a vector scanned by length first beats a map here,
  // and Field() runs once per decoded object field (the decoder's hot path).
  std::vector<std::pair<std::string, Projection>> fields;

  static Projection All() {
    Projection p;
    p.whole = true;
    return p;
  }
  // Marks `path` (field names from the root) as read as a whole.
  void AddPath(const std::string* path, size_t n) {
    if (whole) return;
    if (n == 0) {
      whole = true;
      fields.clear();
      return;
    }
    Slot(path[0]).AddPath(path + 1, n - 1);
  }
  // This projection then reads everything `o` reads too.
  void Merge(const Projection& o) {
    if (whole) return;
    if (o.whole) {
      whole = true;
      fields.clear();
      return;
    }
    for (const auto& [name, sub] : o.fields) Slot(name).Merge(sub);
  }
  // The projection of field `name`, or nullptr when the field is not read.
  const Projection* Field(std::string_view name) const {
    for (const auto& [n, sub] : fields)
      if (n.size() == name.size() && (name.empty() || n[0] == name[0]) && n == name) return &sub;
    return nullptr;
  }
  bool reads_nothing() const { return !whole && fields.empty(); }

 private:
  Projection& Slot(const std::string& name) {
    for (auto& [n, sub] : fields)
      if (n == name) return sub;
    return fields.emplace_back(name, Projection()).second;
  }
};

}  // namespace topo
