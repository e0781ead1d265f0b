#include "cli/json_text.h"

#include <simdjson.h>

#include <charconv>
#include <utility>

#include "engine/serde/json_codec.h"

namespace topo::cli {

namespace od = simdjson::ondemand;

struct JsonText::Impl {
  simdjson::dom::parser dom;
  od::parser on_demand;
  simdjson::padded_string padded;  // Members' copy of its input
  JsonCodec codec;
};

JsonText::JsonText() : impl_(std::make_unique<Impl>()) {}
JsonText::~JsonText() = default;

// simdjson's DOM decides. When it refuses, the engine's JSON codec (whose
// fallback parser reports "invalid JSON at byte N: why") says where and why.
// Two of its complaints are about valid JSON it cannot hold as a value: a
// number beyond 38 significant digits ("cannot be kept exactly") or beyond a
// double's range ("number out of range"), which simdjson refuses as
// NUMBER_ERROR too. produce keeps the text, so such a number is fine: it is
// blanked in a copy (a 0 and spaces, so later offsets stay) and the rest
// checked again. One pass per such number: only inputs full of them are slow.
bool JsonText::Valid(std::string_view text, JsonError* error) {
  auto fail = [&](size_t offset, std::string what) {
    if (error) *error = {offset, std::move(what)};
    return false;
  };
  if (text.substr(0, 3) == "\xEF\xBB\xBF")
    return fail(0, "starts with a UTF-8 byte-order mark (BOM), which JSON text must not have");
  std::string copy;
  std::string_view in = text;
  for (;;) {
    simdjson::dom::element root;
    const simdjson::error_code err = impl_->dom.parse(in.data(), in.size(), true).get(root);
    if (!err) return true;
    Result<Value> decoded = impl_->codec.Decode(in);
    if (decoded.ok()) return true;
    std::string what = decoded.status().message();
    const size_t at_byte = what.find(" at byte ");
    size_t offset = 0;
    if (at_byte != std::string::npos && what.find(": ", at_byte) != std::string::npos) {
      const char* digits = what.data() + at_byte + 9;
      std::from_chars(digits, what.data() + what.size(), offset);
      what.erase(0, what.find(": ", at_byte) + 2);
      const std::string simdjson_says = std::string(" (") + simdjson::error_message(err) + ")";
      if (what.ends_with(simdjson_says)) what.resize(what.size() - simdjson_says.size());
    }
    if (offset < in.size() &&
        (what.find("cannot be kept exactly") != std::string::npos || what == "number out of range")) {
      if (copy.empty()) copy.assign(text);
      const size_t end = std::min(copy.find_first_not_of("+-.0123456789eE", offset), copy.size());
      copy.replace(offset, end - offset, end - offset, ' ');
      copy[offset] = '0';
      in = copy;
      continue;
    }
    // "{"a":1,}" and "[1,]": the codec expects another member or element.
    if (offset > 0 && offset < in.size() && (in[offset] == '}' || in[offset] == ']')) {
      const size_t before = in.find_last_not_of(" \t\r\n", offset - 1);
      if (before != std::string_view::npos && in[before] == ',') what = "trailing comma";
    }
    return fail(offset, what);
  }
}

bool JsonText::Members(std::string_view json, std::vector<JsonMember>* out) {
  out->clear();
  impl_->padded = simdjson::padded_string(json);
  od::document doc;
  od::object object;
  if (impl_->on_demand.iterate(impl_->padded).get(doc) || doc.get_object().get(object)) return false;
  for (auto result : object) {
    od::field field;
    std::string_view name, raw;
    od::json_type type;
    if (std::move(result).get(field) || field.unescaped_key().get(name) || field.value().type().get(type))
      return false;
    JsonMember m;
    m.name = name;
    switch (type) {
      case od::json_type::object: m.kind = "object"; break;
      case od::json_type::array: m.kind = "array"; break;
      case od::json_type::string: m.kind = "string"; break;
      case od::json_type::number: m.kind = "number"; break;
      case od::json_type::boolean: m.kind = "boolean"; break;
      case od::json_type::null: m.kind = "null"; break;
    }
    simdjson::error_code err = simdjson::SUCCESS;
    if (type == od::json_type::object) {
      od::object o;
      err = field.value().get_object().get(o);
      if (!err) err = o.raw_json().get(raw);
    } else if (type == od::json_type::array) {
      od::array a;
      err = field.value().get_array().get(a);
      if (!err) err = a.raw_json().get(raw);
    } else {
      raw = field.value().raw_json_token();  // may end in whitespace
      std::string_view s;
      if (type == od::json_type::string && !(err = field.value().get_string().get(s))) m.text = s;
    }
    if (err) return false;
    raw = TrimJsonSpace(raw);
    m.value = json.substr(static_cast<size_t>(raw.data() - impl_->padded.data()), raw.size());
    out->push_back(std::move(m));
  }
  return true;
}

std::string_view TrimJsonSpace(std::string_view text) {
  const size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return text.substr(text.size());
  return text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
}

bool IsUtf8(std::string_view bytes) { return simdjson::validate_utf8(bytes.data(), bytes.size()); }

}  // namespace topo::cli
