#include "cli/json_text.h"

#include <gtest/gtest.h>

#include <string>

namespace topo::cli {
namespace {

std::string Why(std::string_view text) {
  JsonError e;
  if (ValidateJson(text, &e)) return "ok";
  return e.what + " @" + std::to_string(e.offset);
}

TEST(JsonText, ValidJsonOfEveryKind) {
  for (const char* ok : {"0", "-0", "12345678901234567890.55", "1e400", "-1.5E-3", "\"\"",
                         "\"a\\u00e9\\ud83d\\ude00\\n\"", "\"\xc3\xa9\xf0\x9f\x98\x80\"", "true", "false",
                         "null", "[]", "{}", " \t\r\n{\"a\": [1, {\"b\": null}]} ", "{\"a\":1,\"a\":2}"})
    EXPECT_EQ(Why(ok), "ok") << ok;
}

TEST(JsonText, InvalidJsonSaysWhatAndWhere) {
  EXPECT_EQ(Why(""), "empty @0");
  EXPECT_EQ(Why("\xEF\xBB\xBF{}"),
            "starts with a UTF-8 byte-order mark (BOM), which JSON text must not have @0");
  EXPECT_EQ(Why("{\"a\":1,}"), "trailing comma @7");
  EXPECT_EQ(Why("[1,]"), "trailing comma @3");
  EXPECT_EQ(Why("{\"a\":1"), "truncated: object not closed @6");
  EXPECT_EQ(Why("01"), "leading zero in a number @1");
  EXPECT_EQ(Why("NaN"), "NaN and Infinity are not JSON @0");
  EXPECT_EQ(Why("1."), "expected a digit after '.' @2");
  EXPECT_EQ(Why("{a:1}"), "expected a string key @1");
  EXPECT_EQ(Why("\"\xff\""), "invalid UTF-8 inside a string @1");
  EXPECT_EQ(Why("\"\xc0\xaf\""), "invalid UTF-8 inside a string @1");      // overlong '/'
  EXPECT_EQ(Why("\"\xed\xa0\x80\""), "invalid UTF-8 inside a string @1");  // a surrogate
  EXPECT_EQ(Why("\"\\ud800\""), "\\u escape of an unpaired high surrogate @7");
  EXPECT_EQ(Why("\"\\udc00\""), "\\u escape of an unpaired low surrogate @7");
  EXPECT_EQ(Why("\"a\tb\""), "control character inside a string (escape it, e.g. \\n) @2");
  EXPECT_EQ(Why("\"\\x\""), "invalid escape (use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX) @2");
  EXPECT_EQ(Why("1 2"), "unexpected text after the JSON value @2");
  EXPECT_EQ(Why("tru"), "invalid literal (true, false or null?) @0");
  EXPECT_EQ(Why(std::string(1025, '[') + std::string(1025, ']')), "nested more than 1024 deep @1024");
  EXPECT_EQ(Why(std::string(1024, '[') + std::string(1024, ']')), "ok");
}

TEST(JsonText, ObjectMembersKeepTheirTextAsWritten) {
  const std::string line = R"( {"key" : "d-9", "value":{"amount": 100.00, "n": [1, 2]} ,"a\u00e9":-0.0e1 } )";
  ASSERT_TRUE(ValidateJson(line));
  std::vector<JsonMember> m;
  ASSERT_TRUE(JsonObjectMembers(line, &m));
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].name, "key");
  EXPECT_EQ(m[0].value, "\"d-9\"");
  EXPECT_EQ(m[0].name_offset, 2u);
  EXPECT_EQ(m[1].name, "value");
  EXPECT_EQ(m[1].value, R"({"amount": 100.00, "n": [1, 2]})");
  EXPECT_EQ(m[2].name, "a\xc3\xa9");
  EXPECT_EQ(m[2].value, "-0.0e1");
  EXPECT_FALSE(JsonObjectMembers("[1]", &m));
  EXPECT_TRUE(JsonObjectMembers("{}", &m));
  EXPECT_TRUE(m.empty());
  ASSERT_TRUE(JsonObjectMembers(R"({"s":"a\"}b","t":{"u":"]}"}})", &m));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].value, R"("a\"}b")");
  EXPECT_EQ(m[1].value, R"({"u":"]}"})");
}

TEST(JsonText, StringsIntegersAndKinds) {
  EXPECT_EQ(JsonStringText(R"("a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00")"),
            "a\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(JsonInt64("-42"), std::optional<int64_t>(-42));
  EXPECT_EQ(JsonInt64("1.0"), std::nullopt);
  EXPECT_EQ(JsonInt64("1e3"), std::nullopt);
  EXPECT_EQ(JsonInt64("99999999999999999999"), std::nullopt);
  EXPECT_STREQ(JsonKind("{}"), "object");
  EXPECT_STREQ(JsonKind("\"x\""), "string");
  EXPECT_STREQ(JsonKind("false"), "boolean");
  EXPECT_STREQ(JsonKind("-1"), "number");
  EXPECT_STREQ(JsonKind("null"), "null");
}

TEST(JsonText, Utf8AndStringLiterals) {
  EXPECT_TRUE(IsUtf8("plain \xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsUtf8("\xff"));
  EXPECT_FALSE(IsUtf8("\xc3"));                           // truncated
  EXPECT_FALSE(IsUtf8("\xf4\x90\x80\x80"));               // above U+10FFFF
  EXPECT_TRUE(IsUtf8(std::string("nul \0 inside", 12)));  // U+0000 is UTF-8
  std::string out;
  AppendJsonString(std::string("a\"\\\n\x01\xc3\xa9", 7), &out);
  EXPECT_EQ(out, "\"a\\\"\\\\\\n\\u0001\xc3\xa9\"");
  EXPECT_TRUE(ValidateJson(out));
  out.clear();
  AppendJsonOneLine("{\r\n  \"a\": 1.50\n}", &out);
  EXPECT_EQ(out, "{    \"a\": 1.50 }");
}

}  // namespace
}  // namespace topo::cli
