#include "engine/log/embedded_record_format.h"

namespace topo::log::embedded {

void PutBE32(std::string* out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out->append(b, 4);
}

void PutBE64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v);
  out->append(b, 8);
}

uint64_t GetBE64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutVarint(std::string* out, uint64_t v) {
  char b[10];
  int n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  out->append(b, n);
}

bool GetVarint(const char** p, const char* end, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    uint64_t byte = static_cast<uint8_t>(*(*p)++);
    r |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

bool GetBytes(const char** p, const char* end, std::string_view* s) {
  uint64_t n;
  if (!GetVarint(p, end, &n) || n > static_cast<uint64_t>(end - *p)) return false;
  *s = std::string_view(*p, n);
  *p += n;
  return true;
}

std::string PartitionPrefix(const std::string& topic, int32_t partition) {
  std::string k = topic;
  k.push_back('/');
  PutBE32(&k, static_cast<uint32_t>(partition));
  return k;
}

std::string PartitionUpper(const std::string& topic, int32_t partition) {
  std::string k = topic;
  k.push_back('/');
  PutBE32(&k, static_cast<uint32_t>(partition) + 1);
  return k;
}

void RecordKey(const std::string& prefix, int64_t offset, std::string* key) {
  key->assign(prefix);
  PutBE64(key, static_cast<uint64_t>(offset));
}

std::string GroupOffsetKey(const std::string& group, const TopicPartition& tp) {
  std::string k = group;
  k.push_back('/');
  k.append(tp.topic);
  k.push_back('/');
  PutBE32(&k, static_cast<uint32_t>(tp.partition.value()));
  return k;
}

std::string OffsetValue(int64_t offset) {
  std::string v;
  PutBE64(&v, static_cast<uint64_t>(offset));
  return v;
}

std::optional<int64_t> DecodeOffsetValue(std::string_view v) {
  if (v.size() != 8) return std::nullopt;
  return static_cast<int64_t>(GetBE64(v.data()));
}

void EncodeCommitted(int64_t offset, std::string_view metadata, std::string* out) {
  out->clear();
  PutBE64(out, static_cast<uint64_t>(offset));
  out->append(metadata);
}

std::optional<OffsetAndMetadata> DecodeCommitted(std::string_view v) {
  if (v.size() < 8) return std::nullopt;
  return OffsetAndMetadata{Offset(static_cast<int64_t>(GetBE64(v.data()))), std::string(v.substr(8))};
}

namespace {
constexpr uint64_t kHasKey = 1;
constexpr uint64_t kHasValue = 2;
}  // namespace

void EncodeRecord(const RawRecord& r, std::string* out) {
  PutVarint(out, (r.key ? kHasKey : 0) | (r.value ? kHasValue : uint64_t{0}));
  PutVarint(out, ZigZag(r.timestamp.value()));
  if (r.key) PutBytes(out, *r.key);
  if (r.value) PutBytes(out, *r.value);
  PutVarint(out, r.headers.size());
  for (const auto& [name, value] : r.headers) {
    PutBytes(out, name);
    PutBytes(out, value);
  }
}

bool DecodeHead(std::string_view in, RecordHead* h, const char** rest) {
  const char* p = in.data();
  const char* end = p + in.size();
  uint64_t flags, ts;
  if (!GetVarint(&p, end, &flags) || !GetVarint(&p, end, &ts)) return false;
  h->timestamp = UnZigZag(ts);
  h->key.reset();
  if (flags & kHasKey) {
    std::string_view k;
    if (!GetBytes(&p, end, &k)) return false;
    h->key = k;
  }
  h->has_value = flags & kHasValue;
  if (rest) *rest = p;
  return true;
}

bool DecodeRecord(std::string_view in, RawRecord* r) {
  RecordHead h;
  const char* p;
  if (!DecodeHead(in, &h, &p)) return false;
  const char* end = in.data() + in.size();
  r->timestamp = TimestampMs(h.timestamp);
  if (h.key) r->key.emplace(*h.key);
  if (h.has_value) {
    std::string_view v;
    if (!GetBytes(&p, end, &v)) return false;
    r->value.emplace(v);
  }
  uint64_t n;
  if (!GetVarint(&p, end, &n) || n > static_cast<uint64_t>(end - p)) return false;
  r->headers.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, value;
    if (!GetBytes(&p, end, &name) || !GetBytes(&p, end, &value)) return false;
    r->headers.emplace_back(std::string(name), std::string(value));
  }
  return p == end;
}

std::string EncodeTopicConfig(const TopicConfig& c) {
  std::string out;
  PutVarint(&out, 1);  // encoding version
  PutVarint(&out, static_cast<uint64_t>(c.partitions));
  PutVarint(&out, c.compact ? 1 : 0);
  PutVarint(&out, ZigZag(c.retention_ms));
  PutVarint(&out, c.extra.size());
  for (const auto& [k, v] : c.extra) {
    PutBytes(&out, k);
    PutBytes(&out, v);
  }
  return out;
}

bool DecodeTopicConfig(std::string_view name, std::string_view in, TopicConfig* c) {
  const char* p = in.data();
  const char* end = p + in.size();
  uint64_t version, partitions, compact, retention, n;
  if (!GetVarint(&p, end, &version) || version != 1 || !GetVarint(&p, end, &partitions) ||
      !GetVarint(&p, end, &compact) || !GetVarint(&p, end, &retention) || !GetVarint(&p, end, &n)) {
    return false;
  }
  c->name = std::string(name);
  c->partitions = static_cast<int32_t>(partitions);
  c->compact = compact != 0;
  c->retention_ms = UnZigZag(retention);
  c->extra.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view k, v;
    if (!GetBytes(&p, end, &k) || !GetBytes(&p, end, &v)) return false;
    c->extra.emplace(std::string(k), std::string(v));
  }
  return p == end && c->partitions >= 1;
}

}  // namespace topo::log::embedded
