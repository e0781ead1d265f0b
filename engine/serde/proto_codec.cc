#include "engine/serde/proto_codec.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

namespace topo {

namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// ---- message -> Value ----

Value FloatToValue(float f) {
  if (!std::isfinite(f)) return Value(static_cast<double>(f));
  // Through the float's shortest text, so 0.1f reads as 0.1 rather than 0.10000000149011612.
  char buf[32];
  char* end = std::to_chars(buf, buf + sizeof buf, f).ptr;
  double d = 0;
  std::from_chars(buf, end, d);
  return Value(d);
}

// Whether v holds a NaN or an infinity; *path names the first ("a.b[2]").
bool HasNonFinite(const Value& v, std::string* path) {
  if (v.is_double()) return !std::isfinite(v.as_double());
  if (v.is_array()) {
    const Array& a = v.as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      std::string sub;
      if (HasNonFinite(a[i], &sub)) {
        *path = "[" + std::to_string(i) + "]" + (sub.empty() || sub[0] == '[' ? sub : "." + sub);
        return true;
      }
    }
  }
  if (v.is_object()) {
    for (const auto& [k, f] : v.as_object()) {
      std::string sub;
      if (HasNonFinite(f, &sub)) {
        *path = k + (sub.empty() || sub[0] == '[' ? sub : "." + sub);
        return true;
      }
    }
  }
  return false;
}

Value Uint64ToValue(uint64_t u) {
  if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Value(static_cast<int64_t>(u));
  return Value(Decimal(static_cast<Decimal::Int>(u), 0));
}

Value EnumToValue(const pb::EnumDescriptor* type, int number) {
  const pb::EnumValueDescriptor* ev = type->FindValueByNumber(number);
  if (ev == nullptr) return Value(int64_t{number});
  return Value(ev->name());
}

Value SingularToValue(const pb::Message& m, const pb::Reflection* r, const FD* f) {
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32: return Value(int64_t{r->GetInt32(m, f)});
    case FD::CPPTYPE_INT64: return Value(r->GetInt64(m, f));
    case FD::CPPTYPE_UINT32: return Value(int64_t{r->GetUInt32(m, f)});
    case FD::CPPTYPE_UINT64: return Uint64ToValue(r->GetUInt64(m, f));
    case FD::CPPTYPE_DOUBLE: return Value(r->GetDouble(m, f));
    case FD::CPPTYPE_FLOAT: return FloatToValue(r->GetFloat(m, f));
    case FD::CPPTYPE_BOOL: return Value(r->GetBool(m, f));
    case FD::CPPTYPE_ENUM: return EnumToValue(f->enum_type(), r->GetEnumValue(m, f));
    case FD::CPPTYPE_STRING:
      if (f->type() == FD::TYPE_BYTES) return Value(Bytes{r->GetString(m, f)});
      return Value(r->GetString(m, f));
    case FD::CPPTYPE_MESSAGE: return MessageToValue(r->GetMessage(m, f));
  }
  return Value();
}

Value RepeatedToValue(const pb::Message& m, const pb::Reflection* r, const FD* f, int i) {
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32: return Value(int64_t{r->GetRepeatedInt32(m, f, i)});
    case FD::CPPTYPE_INT64: return Value(r->GetRepeatedInt64(m, f, i));
    case FD::CPPTYPE_UINT32: return Value(int64_t{r->GetRepeatedUInt32(m, f, i)});
    case FD::CPPTYPE_UINT64: return Uint64ToValue(r->GetRepeatedUInt64(m, f, i));
    case FD::CPPTYPE_DOUBLE: return Value(r->GetRepeatedDouble(m, f, i));
    case FD::CPPTYPE_FLOAT: return FloatToValue(r->GetRepeatedFloat(m, f, i));
    case FD::CPPTYPE_BOOL: return Value(r->GetRepeatedBool(m, f, i));
    case FD::CPPTYPE_ENUM: return EnumToValue(f->enum_type(), r->GetRepeatedEnumValue(m, f, i));
    case FD::CPPTYPE_STRING:
      if (f->type() == FD::TYPE_BYTES) return Value(Bytes{r->GetRepeatedString(m, f, i)});
      return Value(r->GetRepeatedString(m, f, i));
    case FD::CPPTYPE_MESSAGE: return MessageToValue(r->GetRepeatedMessage(m, f, i));
  }
  return Value();
}

// Map keys are integral, bool or string; ordered by their typed value.
bool MapKeyLess(const pb::Message& a, const pb::Message& b, const FD* k) {
  const pb::Reflection* ra = a.GetReflection();
  const pb::Reflection* rb = b.GetReflection();
  switch (k->cpp_type()) {
    case FD::CPPTYPE_INT32: return ra->GetInt32(a, k) < rb->GetInt32(b, k);
    case FD::CPPTYPE_INT64: return ra->GetInt64(a, k) < rb->GetInt64(b, k);
    case FD::CPPTYPE_UINT32: return ra->GetUInt32(a, k) < rb->GetUInt32(b, k);
    case FD::CPPTYPE_UINT64: return ra->GetUInt64(a, k) < rb->GetUInt64(b, k);
    case FD::CPPTYPE_BOOL: return ra->GetBool(a, k) < rb->GetBool(b, k);
    case FD::CPPTYPE_STRING: return ra->GetString(a, k) < rb->GetString(b, k);
    default: return false;
  }
}

std::string MapKeyText(const pb::Message& e, const FD* k) {
  const pb::Reflection* r = e.GetReflection();
  switch (k->cpp_type()) {
    case FD::CPPTYPE_INT32: return std::to_string(r->GetInt32(e, k));
    case FD::CPPTYPE_INT64: return std::to_string(r->GetInt64(e, k));
    case FD::CPPTYPE_UINT32: return std::to_string(r->GetUInt32(e, k));
    case FD::CPPTYPE_UINT64: return std::to_string(r->GetUInt64(e, k));
    case FD::CPPTYPE_BOOL: return r->GetBool(e, k) ? "true" : "false";
    case FD::CPPTYPE_STRING: return r->GetString(e, k);
    default: return "";
  }
}

Value MapToValue(const pb::Message& m, const pb::Reflection* r, const FD* f) {
  const FD* key = f->message_type()->map_key();
  const FD* val = f->message_type()->map_value();
  int n = r->FieldSize(m, f);
  std::vector<const pb::Message*> entries;
  entries.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) entries.push_back(&r->GetRepeatedMessage(m, f, i));
  // Maps have no order on the wire or in memory; sorting makes the Value deterministic.
  std::sort(entries.begin(), entries.end(),
            [&](const pb::Message* a, const pb::Message* b) { return MapKeyLess(*a, *b, key); });
  Object obj;
  obj.Reserve(entries.size());
  for (const pb::Message* e : entries)
    obj.Append(MapKeyText(*e, key), SingularToValue(*e, e->GetReflection(), val));
  return Value(std::move(obj));
}

// ---- Value -> message ----

class Filler {
 public:
  Status Fill(const Value& v, pb::Message* m) {
    if (!v.is_object()) return Mismatch("object", v);
    const pb::Descriptor* d = m->GetDescriptor();
    const pb::Reflection* r = m->GetReflection();
    for (const auto& [name, fv] : v.as_object()) {
      const size_t mark = path_.size();
      if (!path_.empty()) path_.push_back('.');
      path_ += name;
      const FD* f = d->FindFieldByName(name);
      if (f == nullptr) return Error("no such field in " + d->full_name());
      if (fv.is_null()) {
        r->ClearField(m, f);
      } else if (f->is_map()) {
        RETURN_IF_ERROR(FillMap(fv, m, r, f));
      } else if (f->is_repeated()) {
        if (!fv.is_array()) return Mismatch("array", fv);
        r->ClearField(m, f);
        const Array& a = fv.as_array();
        const size_t item_mark = path_.size();
        for (size_t i = 0; i < a.size(); ++i) {
          path_ += '[';
          path_ += std::to_string(i);
          path_ += ']';
          RETURN_IF_ERROR(SetOne(a[i], m, r, f, /*add=*/true));
          path_.resize(item_mark);
        }
      } else {
        RETURN_IF_ERROR(SetOne(fv, m, r, f, /*add=*/false));
      }
      path_.resize(mark);
    }
    return Status::Ok();
  }

 private:
  Status Error(const std::string& what) const { return Status::Invalid("field '" + path_ + "': " + what); }
  Status Mismatch(const char* expected, const Value& got) const {
    if (path_.empty())
      return Status::Invalid(std::string("expected ") + expected + ", got " + ValueTypeName(got.type()));
    return Error(std::string("expected ") + expected + ", got " + ValueTypeName(got.type()));
  }

  // An integral number as int64 (ints; decimals and doubles without a fraction).
  bool AsInt64(const Value& v, int64_t* out) {
    if (v.is_int()) {
      *out = v.as_int();
      return true;
    }
    if (v.is_decimal()) {
      Decimal n = v.as_decimal().Normalized();
      if (n.scale() != 0) return false;
      auto r = n.ToInt64();
      if (!r.ok()) return false;
      *out = *r;
      return true;
    }
    if (v.is_double()) {
      double d = v.as_double();
      if (d != std::trunc(d) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
      *out = static_cast<int64_t>(d);
      return true;
    }
    return false;
  }
  bool AsUint64(const Value& v, uint64_t* out) {
    if (v.is_decimal()) {
      Decimal n = v.as_decimal().Normalized();
      if (n.scale() != 0 || n.IsNegative() ||
          n.coefficient() > Decimal::Int{std::numeric_limits<uint64_t>::max()})
        return false;
      *out = static_cast<uint64_t>(n.coefficient());
      return true;
    }
    if (v.is_double()) {
      double d = v.as_double();
      if (d != std::trunc(d) || !(d >= 0 && d < 18446744073709551616.0)) return false;
      *out = static_cast<uint64_t>(d);
      return true;
    }
    int64_t i;
    if (!AsInt64(v, &i) || i < 0) return false;
    *out = static_cast<uint64_t>(i);
    return true;
  }
  Status IntField(const Value& v, const FD* f, int64_t lo, int64_t hi, int64_t* out) {
    if (!v.is_number()) return Mismatch("int", v);
    if (!AsInt64(v, out)) return Error("expected an integer, got " + v.DebugString());
    if (*out < lo || *out > hi)
      return Error("value " + v.DebugString() + " is out of range for " + f->type_name());
    return Status::Ok();
  }

  Status SetOne(const Value& v, pb::Message* m, const pb::Reflection* r, const FD* f, bool add) {
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32: {
        int64_t i;
        RETURN_IF_ERROR(
            IntField(v, f, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), &i));
        add ? r->AddInt32(m, f, static_cast<int32_t>(i)) : r->SetInt32(m, f, static_cast<int32_t>(i));
        return Status::Ok();
      }
      case FD::CPPTYPE_INT64: {
        int64_t i;
        RETURN_IF_ERROR(
            IntField(v, f, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &i));
        add ? r->AddInt64(m, f, i) : r->SetInt64(m, f, i);
        return Status::Ok();
      }
      case FD::CPPTYPE_UINT32: {
        int64_t i;
        RETURN_IF_ERROR(IntField(v, f, 0, std::numeric_limits<uint32_t>::max(), &i));
        add ? r->AddUInt32(m, f, static_cast<uint32_t>(i)) : r->SetUInt32(m, f, static_cast<uint32_t>(i));
        return Status::Ok();
      }
      case FD::CPPTYPE_UINT64: {
        if (!v.is_number()) return Mismatch("int", v);
        uint64_t u;
        if (!AsUint64(v, &u))
          return Error("value " + v.DebugString() + " is out of range for " + f->type_name());
        add ? r->AddUInt64(m, f, u) : r->SetUInt64(m, f, u);
        return Status::Ok();
      }
      case FD::CPPTYPE_DOUBLE:
      case FD::CPPTYPE_FLOAT: {
        double d;
        if (v.is_double()) {
          d = v.as_double();
        } else if (v.is_int()) {
          d = static_cast<double>(v.as_int());
        } else if (v.is_decimal()) {
          d = v.as_decimal().ToDouble();
        } else {
          return Mismatch(f->type_name(), v);
        }
        if (f->cpp_type() == FD::CPPTYPE_FLOAT) {
          add ? r->AddFloat(m, f, static_cast<float>(d)) : r->SetFloat(m, f, static_cast<float>(d));
        } else {
          add ? r->AddDouble(m, f, d) : r->SetDouble(m, f, d);
        }
        return Status::Ok();
      }
      case FD::CPPTYPE_BOOL:
        if (!v.is_bool()) return Mismatch("bool", v);
        add ? r->AddBool(m, f, v.as_bool()) : r->SetBool(m, f, v.as_bool());
        return Status::Ok();
      case FD::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* type = f->enum_type();
        int number;
        if (v.is_string()) {
          const pb::EnumValueDescriptor* ev = type->FindValueByName(v.as_string());
          if (ev == nullptr)
            return Error("'" + v.as_string() + "' is not a value of enum " + type->full_name());
          number = ev->number();
        } else if (v.is_int()) {
          int64_t i = v.as_int();
          bool open = type->file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO3;
          if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max() ||
              (!open && type->FindValueByNumber(static_cast<int>(i)) == nullptr))
            return Error(std::to_string(i) + " is not a value of enum " + type->full_name());
          number = static_cast<int>(i);
        } else {
          return Mismatch("enum name (string)", v);
        }
        add ? r->AddEnumValue(m, f, number) : r->SetEnumValue(m, f, number);
        return Status::Ok();
      }
      case FD::CPPTYPE_STRING: {
        std::string s;
        if (f->type() == FD::TYPE_BYTES) {
          if (v.is_bytes()) {
            s = v.as_bytes().data;
          } else if (v.is_string()) {
            s = v.as_string();
          } else {
            return Mismatch("bytes", v);
          }
        } else if (v.is_string()) {
          s = v.as_string();
        } else if (v.is_decimal()) {
          s = v.as_decimal().ToString();
        } else if (v.is_int()) {
          s = std::to_string(v.as_int());
        } else {
          return Mismatch("string", v);
        }
        add ? r->AddString(m, f, std::move(s)) : r->SetString(m, f, std::move(s));
        return Status::Ok();
      }
      case FD::CPPTYPE_MESSAGE: {
        pb::Message* sub = add ? r->AddMessage(m, f) : r->MutableMessage(m, f);
        if (!add) sub->Clear();
        return Fill(v, sub);
      }
    }
    return Error("unsupported field type");
  }

  Status FillMap(const Value& v, pb::Message* m, const pb::Reflection* r, const FD* f) {
    if (!v.is_object()) return Mismatch("object (a map)", v);
    r->ClearField(m, f);
    const FD* key = f->message_type()->map_key();
    const FD* val = f->message_type()->map_value();
    const size_t mark = path_.size();
    for (const auto& [k, ev] : v.as_object()) {
      path_ += "[\"";
      path_ += k;
      path_ += "\"]";
      pb::Message* entry = r->AddMessage(m, f);
      const pb::Reflection* er = entry->GetReflection();
      RETURN_IF_ERROR(SetMapKey(k, entry, er, key));
      if (!ev.is_null()) RETURN_IF_ERROR(SetOne(ev, entry, er, val, /*add=*/false));
      path_.resize(mark);
    }
    return Status::Ok();
  }

  Status SetMapKey(const std::string& k, pb::Message* e, const pb::Reflection* r, const FD* f) {
    if (f->cpp_type() == FD::CPPTYPE_STRING) {
      r->SetString(e, f, k);
      return Status::Ok();
    }
    if (f->cpp_type() == FD::CPPTYPE_BOOL) {
      if (k != "true" && k != "false") return Error("map key must be \"true\" or \"false\"");
      r->SetBool(e, f, k == "true");
      return Status::Ok();
    }
    int64_t i = 0;
    uint64_t u = 0;
    bool is_unsigned = f->cpp_type() == FD::CPPTYPE_UINT32 || f->cpp_type() == FD::CPPTYPE_UINT64;
    auto res = is_unsigned ? std::from_chars(k.data(), k.data() + k.size(), u)
                           : std::from_chars(k.data(), k.data() + k.size(), i);
    if (res.ec != std::errc() || res.ptr != k.data() + k.size()) return Error("map key must be an integer");
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32:
        if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max())
          return Error("map key out of range for int32");
        r->SetInt32(e, f, static_cast<int32_t>(i));
        return Status::Ok();
      case FD::CPPTYPE_INT64: r->SetInt64(e, f, i); return Status::Ok();
      case FD::CPPTYPE_UINT32:
        if (u > std::numeric_limits<uint32_t>::max()) return Error("map key out of range for uint32");
        r->SetUInt32(e, f, static_cast<uint32_t>(u));
        return Status::Ok();
      case FD::CPPTYPE_UINT64: r->SetUInt64(e, f, u); return Status::Ok();
      default: return Error("unsupported map key type");
    }
  }

  std::string path_;
};

}  // namespace

Value MessageToValue(const pb::Message& m) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  auto obj = std::make_shared<Object>();
  obj->Reserve(static_cast<size_t>(d->field_count()));
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    if (f->is_map()) {
      obj->Append(f->name(), MapToValue(m, r, f));
    } else if (f->is_repeated()) {
      int n = r->FieldSize(m, f);
      Array a;
      a.reserve(static_cast<size_t>(n));
      for (int j = 0; j < n; ++j) a.push_back(RepeatedToValue(m, r, f, j));
      obj->Append(f->name(), Value(std::move(a)));
    } else if (f->has_presence() && !r->HasField(m, f)) {
      obj->Append(f->name(), Value());
    } else {
      obj->Append(f->name(), SingularToValue(m, r, f));
    }
  }
  return Value(std::move(obj));
}

Status ValueToMessage(const Value& v, pb::Message* m) {
  m->Clear();
  return Filler().Fill(v, m);
}

ProtoCodec::ProtoCodec(const pb::Descriptor* descriptor)
    : descriptor_(descriptor),
      name_("proto:" + descriptor->full_name()),
      factory_(std::make_unique<pb::DynamicMessageFactory>()) {
  const pb::Message* prototype = factory_->GetPrototype(descriptor_);
  decoded_.reset(prototype->New());
  encoded_.reset(prototype->New());
}

ProtoCodec::~ProtoCodec() {
  // Messages first: their type info lives in the factory.
  decoded_.reset();
  encoded_.reset();
}

Result<Value> ProtoCodec::Decode(std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return Status::Invalid("protobuf payload too large");
  if (!decoded_->ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return Status::Invalid("invalid protobuf payload for " + descriptor_->full_name() + " (" +
                           std::to_string(bytes.size()) + " bytes)");
  if (!decoded_->IsInitialized())
    return Status::Invalid(descriptor_->full_name() +
                           " payload lacks required fields: " + decoded_->InitializationErrorString());
  Value v = MessageToValue(*decoded_);
  std::string path;
  if (HasNonFinite(v, &path))
    return Status::Invalid(descriptor_->full_name() + " field '" + path +
                           "' is NaN or infinite: a record carries only finite numbers (JSON has no NaN)");
  return v;
}

Status ProtoCodec::Encode(const Value& v, std::string* out) {
  out->clear();
  RETURN_IF_ERROR(
      ValueToMessage(v, encoded_.get()).WithContext("cannot encode as " + descriptor_->full_name()));
  if (!encoded_->IsInitialized())
    return Status::Invalid("cannot encode as " + descriptor_->full_name() +
                           ": missing required fields: " + encoded_->InitializationErrorString());
  bool ok;
  {
    pb::io::StringOutputStream stream(out);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);  // sorted map entries: byte-exact output
    ok = encoded_->SerializePartialToCodedStream(&coded) && !coded.HadError();
  }
  if (!ok) return Status::Internal("cannot serialize " + descriptor_->full_name());
  return Status::Ok();
}

}  // namespace topo
