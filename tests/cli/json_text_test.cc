#include "cli/json_text.h"

#include <gtest/gtest.h>

#include <string>

namespace topo::cli {
namespace {

std::string Why(std::string_view text) {
  JsonText json;
  JsonError e;
  if (json.Valid(text, &e)) return "ok";
  return e.what + " @" + std::to_string(e.offset);
}

TEST(JsonText, ValidJsonOfEveryKind) {
  for (const char* ok : {"0", "-0", "12345678901234567890.55", "1e400", "-1.5E-3", "\"\"",
                         "\"a\\u00e9\\ud83d\\ude00\\n\"", "\"\xc3\xa9\xf0\x9f\x98\x80\"", "true", "false",
                         "null", "[]", "{}", " \t\r\n{\"a\": [1, {\"b\": null}]} ", "{\"a\":1,\"a\":2}"})
    EXPECT_EQ(Why(ok), "ok") << ok;
}

// Numbers no int64, double or 38-digit decimal holds are JSON all the same:
// produce keeps their text. What comes after them is still checked.
TEST(JsonText, NumbersOfAnyLengthAreJson) {
  const std::string digits(60, '7');
  EXPECT_EQ(Why(digits), "ok");
  EXPECT_EQ(Why("[" + digits + ", -1e999, 1." + digits + ", 99999999999999999999]"), "ok");
  EXPECT_EQ(Why("{\"a\":" + digits + ",\"b\":1,}"), "trailing comma @72");
  EXPECT_EQ(Why("[1e400, tru]"), "invalid literal (expected true) @8");
}

TEST(JsonText, InvalidJsonSaysWhatAndWhere) {
  EXPECT_EQ(Why(""), "empty payload @0");
  EXPECT_EQ(Why("\xEF\xBB\xBF{}"),
            "starts with a UTF-8 byte-order mark (BOM), which JSON text must not have @0");
  EXPECT_EQ(Why("{\"a\":1,}"), "trailing comma @7");
  EXPECT_EQ(Why("[1,]"), "trailing comma @3");
  EXPECT_EQ(Why("{\"a\":1"), "truncated: object not closed @6");
  EXPECT_EQ(Why("01"), "invalid number: leading zero @1");
  EXPECT_EQ(Why("NaN"), "unexpected character @0");
  EXPECT_EQ(Why("{a:1}"), "expected a string key @1");
  EXPECT_EQ(Why("\"\xff\""), "invalid UTF-8 @1");
  EXPECT_EQ(Why("\"\xc0\xaf\""), "invalid UTF-8 @1");      // overlong '/'
  EXPECT_EQ(Why("\"\xed\xa0\x80\""), "invalid UTF-8 @1");  // a surrogate
  EXPECT_EQ(Why("\"a\tb\""), "unescaped control character in string @2");
  EXPECT_EQ(Why("1 2"), "unexpected content after the JSON value @2");
  EXPECT_EQ(Why(std::string(1024, '[') + std::string(1024, ']')), "ok");
  EXPECT_NE(Why(std::string(1025, '[') + std::string(1025, ']')), "ok");
}

TEST(JsonText, ObjectMembersKeepTheirTextAsWritten) {
  JsonText json;
  const std::string line = R"( {"key" : "d-9", "value":{"amount": 100.00, "n": [1, 2]} ,"a\u00e9":-0.0e1 } )";
  ASSERT_TRUE(json.Valid(line));
  std::vector<JsonMember> m;
  ASSERT_TRUE(json.Members(line, &m));
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].name, "key");
  EXPECT_EQ(m[0].value, "\"d-9\"");
  EXPECT_EQ(m[0].value.data(), line.data() + 10);  // into the line
  EXPECT_STREQ(m[0].kind, "string");
  EXPECT_EQ(m[0].text, "d-9");
  EXPECT_EQ(m[1].name, "value");
  EXPECT_EQ(m[1].value, R"({"amount": 100.00, "n": [1, 2]})");
  EXPECT_STREQ(m[1].kind, "object");
  EXPECT_EQ(m[2].name, "a\xc3\xa9");
  EXPECT_EQ(m[2].value, "-0.0e1");
  EXPECT_STREQ(m[2].kind, "number");
  EXPECT_FALSE(json.Members("[1]", &m));
  EXPECT_FALSE(json.Members("7", &m));
  EXPECT_TRUE(json.Members("{}", &m));
  EXPECT_TRUE(m.empty());
  ASSERT_TRUE(
      json.Members(R"({"s":"a\"}b\u00e9\ud83d\ude00","t":{"u":"]}"},"n":null,"b":false,"x":[1,[2]]})", &m));
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].value, R"("a\"}b\u00e9\ud83d\ude00")");
  EXPECT_EQ(m[0].text, "a\"}b\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(m[1].value, R"({"u":"]}"})");
  EXPECT_STREQ(m[2].kind, "null");
  EXPECT_STREQ(m[3].kind, "boolean");
  EXPECT_EQ(m[4].value, "[1,[2]]");
  EXPECT_STREQ(m[4].kind, "array");
  const std::string big = "{\"a\":" + std::string(60, '9') + " , \"b\" : 1e999\n}";
  ASSERT_TRUE(json.Valid(big));
  ASSERT_TRUE(json.Members(big, &m));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].value, std::string(60, '9'));
  EXPECT_EQ(m[1].value, "1e999");
}

TEST(JsonText, Utf8) {
  EXPECT_TRUE(IsUtf8("plain \xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsUtf8("\xff"));
  EXPECT_FALSE(IsUtf8("\xc3"));                           // truncated
  EXPECT_FALSE(IsUtf8("\xf4\x90\x80\x80"));               // above U+10FFFF
  EXPECT_TRUE(IsUtf8(std::string("nul \0 inside", 12)));  // U+0000 is UTF-8
  EXPECT_EQ(TrimJsonSpace(" \t{} \r\n"), "{}");
  EXPECT_EQ(TrimJsonSpace("  "), "");
}

}  // namespace
}  // namespace topo::cli
