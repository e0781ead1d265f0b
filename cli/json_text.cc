#include "cli/json_text.h"

#include <simdjson.h>

#include <utility>

#include "engine/serde/json_codec.h"

namespace topo::cli {

namespace od = simdjson::ondemand;

struct JsonText::Impl {
  simdjson::dom::parser dom;
  od::parser on_demand;
  simdjson::padded_string padded;  // Members' copy of its input
};

JsonText::JsonText() : impl_(std::make_unique<Impl>()) {}
JsonText::~JsonText() = default;

// simdjson's DOM accepts almost every valid line at once. What it refuses is
// either invalid (CheckJsonSyntax says where and why) or valid JSON it cannot
// hold, such as a number beyond 38 digits or 1e400: produce keeps the text, so
// the syntax is all that matters.
bool JsonText::Valid(std::string_view text, JsonError* error) {
  auto fail = [&](size_t offset, std::string what) {
    if (error) *error = {offset, std::move(what)};
    return false;
  };
  if (text.substr(0, 3) == "\xEF\xBB\xBF")
    return fail(0, "starts with a UTF-8 byte-order mark (BOM), which JSON text must not have");
  simdjson::dom::element root;
  if (!impl_->dom.parse(text.data(), text.size(), true).get(root)) return true;
  JsonSyntaxError bad;
  if (CheckJsonSyntax(text, &bad)) return true;
  // "{"a":1,}" and "[1,]": the parser expects another member or element.
  if (bad.offset > 0 && bad.offset < text.size() && (text[bad.offset] == '}' || text[bad.offset] == ']')) {
    const size_t before = text.find_last_not_of(" \t\r\n", bad.offset - 1);
    if (before != std::string_view::npos && text[before] == ',') bad.what = "trailing comma";
  }
  return fail(bad.offset, bad.what);
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
