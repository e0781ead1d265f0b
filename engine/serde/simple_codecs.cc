#include "engine/serde/simple_codecs.h"

#include <charconv>
#include <cstdint>

#include "engine/value/text.h"

namespace topo {

namespace {

Status CannotEncode(const char* codec, const Value& v, const char* accepted) {
  return Status::Invalid(std::string("the '") + codec + "' codec cannot encode a " + ValueTypeName(v.type()) +
                         " value (it takes " + accepted + ")");
}

}  // namespace

// ---- string ----

const std::string& StringCodec::name() const {
  static const std::string kName = "string";
  return kName;
}

Result<Value> StringCodec::Decode(std::string_view bytes) { return Value(std::string(bytes)); }

Status StringCodec::Encode(const Value& v, std::string* out) {
  out->clear();
  switch (v.type()) {
    case ValueType::kString: out->assign(v.as_string()); return Status::Ok();
    case ValueType::kBytes: out->assign(v.as_bytes().data); return Status::Ok();
    case ValueType::kBool: out->assign(v.as_bool() ? "true" : "false"); return Status::Ok();
    case ValueType::kDecimal: v.as_decimal().AppendTo(*out); return Status::Ok();
    case ValueType::kInt: {
      char buf[24];
      out->assign(buf, std::to_chars(buf, buf + sizeof buf, v.as_int()).ptr);
      return Status::Ok();
    }
    // NaN and infinities in Java's Double.toString spellings, so text keys from either side agree.
    case ValueType::kDouble: AppendDoubleText(*out, v); return Status::Ok();
    case ValueType::kNull:
    case ValueType::kArray:
    case ValueType::kObject: break;
  }
  return CannotEncode("string", v, "a string, number, bool or bytes");
}

// ---- bytes ----

const std::string& BytesCodec::name() const {
  static const std::string kName = "bytes";
  return kName;
}

Result<Value> BytesCodec::Decode(std::string_view bytes) { return Value(Bytes{std::string(bytes)}); }

Status BytesCodec::Encode(const Value& v, std::string* out) {
  if (v.is_bytes()) {
    out->assign(v.as_bytes().data);
    return Status::Ok();
  }
  if (v.is_string()) {
    out->assign(v.as_string());
    return Status::Ok();
  }
  out->clear();
  return CannotEncode("bytes", v, "bytes or a string");
}

// ---- int64 ----

const std::string& Int64Codec::name() const {
  static const std::string kName = "int64";
  return kName;
}

Result<Value> Int64Codec::Decode(std::string_view bytes) {
  if (bytes.size() != 8)
    return Status::Invalid("an int64 payload must be 8 bytes, got " + std::to_string(bytes.size()));
  uint64_t u = 0;
  for (char c : bytes) u = (u << 8) | static_cast<unsigned char>(c);
  return Value(static_cast<int64_t>(u));
}

Status Int64Codec::Encode(const Value& v, std::string* out) {
  out->clear();
  if (!v.is_int()) return CannotEncode("int64", v, "an int");
  uint64_t u = static_cast<uint64_t>(v.as_int());
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(u & 0xFF);
    u >>= 8;
  }
  out->assign(buf, 8);
  return Status::Ok();
}

}  // namespace topo
