#include "engine/serde/json_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

namespace topo {
namespace {

class JsonCodecTest : public ::testing::Test {
 protected:
  Value Decode(std::string_view s) {
    auto r = codec_.Decode(s);
    EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
    return r.ok() ? *r : Value();
  }
  std::string Encode(const Value& v) {
    std::string out;
    Status s = codec_.Encode(v, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  Status DecodeError(std::string_view s) {
    auto r = codec_.Decode(s);
    EXPECT_FALSE(r.ok()) << "decoded '" << s << "' as " << (r.ok() ? r->DebugString() : "");
    return r.status();
  }
  JsonCodec codec_;
};

constexpr std::string_view kEnvelope =
    R"({"deal_id":"d-000042","event_type":"DealStatusChanged","from_status":"PENDING","to_status":"FUNDED",)"
    R"("payload":{"amount":"125.50","currency":"TON","recipient_id":"u-1234"},"timestamp":"2025-01-15T10:30:00.000Z"})";

TEST_F(JsonCodecTest, Name) { EXPECT_EQ(codec_.name(), "json"); }

TEST_F(JsonCodecTest, DecodesTypesAndFieldOrder) {
  Value v = Decode(R"({"z":1,"a":-2.5,"m":"x","b":true,"n":null,"arr":[1,"two",false,{}],"o":{"k":[]}})");
  ASSERT_TRUE(v.is_object());
  const Object& o = v.as_object();
  ASSERT_EQ(o.size(), 7u);
  std::vector<std::string> keys;
  for (const auto& [k, _] : o) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"z", "a", "m", "b", "n", "arr", "o"}));
  EXPECT_TRUE(v.Get("z")->is_int());
  EXPECT_EQ(v.Get("z")->as_int(), 1);
  EXPECT_TRUE(v.Get("a")->is_double());
  EXPECT_EQ(v.Get("a")->as_double(), -2.5);
  EXPECT_EQ(v.Get("m")->as_string(), "x");
  EXPECT_EQ(v.Get("b")->as_bool(), true);
  EXPECT_TRUE(v.Get("n")->is_null());
  const Array& arr = v.Get("arr")->as_array();
  ASSERT_EQ(arr.size(), 4u);
  EXPECT_EQ(arr[1].as_string(), "two");
  EXPECT_TRUE(arr[3].is_object());
  EXPECT_TRUE(v.Get("o")->Get("k")->is_array());
}

TEST_F(JsonCodecTest, DecodesScalarRootsAndWhitespace) {
  EXPECT_EQ(Decode("42").as_int(), 42);
  EXPECT_EQ(Decode("  \"hi\"\n").as_string(), "hi");
  EXPECT_TRUE(Decode(" null ").is_null());
  EXPECT_EQ(Decode("[ 1 , 2 ]").as_array().size(), 2u);
  EXPECT_TRUE(Decode("1.0").is_double());
  EXPECT_TRUE(Decode("1e2").is_double());
  EXPECT_EQ(Decode("1e2").as_double(), 100.0);
}

TEST_F(JsonCodecTest, BigIntegersAreExactDecimals) {
  EXPECT_EQ(Decode("9223372036854775807").as_int(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Decode("-9223372036854775808").as_int(), std::numeric_limits<int64_t>::min());
  // Beyond int64 (simdjson's uint64 range, and beyond 64 bits where simdjson
  // refuses): an exact decimal, written back digit for digit.
  for (std::string_view text : {"18446744073709551615", "9223372036854775808", "-99999999999999999999",
                                "12345678901234567890123456789012345678"}) {
    Value v = Decode(text);
    ASSERT_TRUE(v.is_decimal()) << text << " decoded as " << v.DebugString();
    EXPECT_EQ(v.as_decimal().ToString(), text);
    EXPECT_EQ(Encode(v), text);
  }
  Value huge = Decode(R"({"id":123456789012345678901234567890})");
  EXPECT_EQ(Encode(huge), R"({"id":123456789012345678901234567890})");
  // More than 38 digits: no representation keeps them, so an error, not a rounding.
  Status s = DecodeError(R"({"id":123456789012345678901234567890123456789})");
  EXPECT_NE(s.message().find("cannot be kept exactly"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("at byte 6"), std::string::npos) << s.ToString();
  EXPECT_FALSE(codec_.Decode("1e400").ok());  // out of double range
}

TEST_F(JsonCodecTest, NumbersPassThroughWithEveryDigit) {
  // Fractions with more digits than a double keeps: the double for arithmetic,
  // the exact value for decimal(), equality and encoding.
  for (std::string_view text : {"12345678901234567890.55", "123456789012345678.91", "1.00000000000000001",
                                "0.1000000000000000055511151231257827", "-9007199254740993.5",
                                "99999999999999999999999999999999999999e-2"}) {
    std::string doc = "{\"a\":" + std::string(text) + ",\"note\":\"x\"}";
    Value v = Decode(doc);
    const Value& a = *v.Get("a");
    ASSERT_TRUE(a.is_double()) << text;
    EXPECT_EQ(a.as_double(), std::strtod(std::string(text).c_str(), nullptr)) << text;
    Decimal exact;
    ASSERT_TRUE(a.KeptExact(&exact)) << text;
    EXPECT_EQ(exact, *Decimal::Parse(text)) << text;
    std::string again = Encode(v);
    EXPECT_EQ(*Decimal::Parse(again.substr(5, again.find(',') - 5)), *Decimal::Parse(text)) << again;
    EXPECT_TRUE(Decode(again).Equals(v)) << again;
  }
  // Numbers a double gives back keep no extra value, whatever path decodes them.
  Value plain = Decode(R"({"a":16.49,"card":"4111111111111111"})");  // long digit run: exact path
  EXPECT_FALSE(plain.Get("a")->has_kept_exact());
  EXPECT_EQ(Encode(plain), R"({"a":16.49,"card":"4111111111111111"})");
  // Underflow the DOM reads as 0.0: not silently zero.
  EXPECT_FALSE(codec_.Decode(R"({"a":1e-400})").ok());
  EXPECT_FALSE(codec_.Decode(R"({"a":0.1e-399,"b":0.0})").ok());
  EXPECT_EQ(Decode(R"({"a":0.0,"b":"e-mail"})").Get("a")->as_double(), 0.0);
  EXPECT_EQ(Decode("2.5e-320").as_double(), 2.5e-320);  // subnormal but exact in its shortest form
}

TEST_F(JsonCodecTest, FractionsKeepTheirTrailingZeros) {
  // "1.00" is a double 1 that keeps its scale, so it is written back as written.
  for (std::string_view doc : {R"({"fees":1.00,"amount":1000.00,"ts":"2025-01-15T10:30:00.000Z"})", "1.50",
                               "[2.50,-0.10]", R"({"a":{"b":[100.000]}})", "1.50e3", R"({"x":0.0})"}) {
    Value v = Decode(doc);
    EXPECT_EQ(Encode(v), doc == std::string_view("1.50e3") ? "1500.0" : std::string(doc)) << doc;
  }
  Value fees = *Decode(R"({"fees":1.00})").Get("fees");
  ASSERT_TRUE(fees.is_double());
  EXPECT_EQ(fees.as_double(), 1.0);
  EXPECT_TRUE(fees.Equals(Value(1.0)));
  EXPECT_TRUE(fees.Equals(Value(int64_t{1})));
}

// Random documents mixing numbers of every length, scale and exponent with
// strings full of digits, dots and escaped quotes: every number decodes to its
// exact value and encodes back to the same value and scale, whichever path
// (DOM, exact fix-up, slow parser) the document takes.
TEST_F(JsonCodecTest, RandomNumbersKeepTheirExactValueOnEveryPath) {
  std::mt19937_64 rng(20261202);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  auto digits = [&](int n) {
    std::string d;
    for (int i = 0; i < n; ++i) d.push_back(static_cast<char>('0' + pick(10)));
    return d;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> numbers;
    std::string doc = "[";
    const int items = 1 + pick(8);
    for (int i = 0; i < items; ++i) {
      if (i > 0) doc += pick(2) ? "," : " , ";
      if (pick(3) == 0) {  // a string that looks like numbers
        doc += "\"" + digits(pick(20)) + (pick(2) ? "." : "\\\"") + digits(pick(20)) +
               (pick(2) ? "\\\\" : "") + "\"";
        continue;
      }
      std::string n = pick(4) == 0 ? "-" : "";
      const int int_digits = 1 + pick(20);
      std::string ip = digits(int_digits);
      while (ip.size() > 1 && ip[0] == '0') ip.erase(0, 1);
      n += ip;
      if (pick(3) > 0) n += "." + digits(1 + pick(20));
      if (pick(5) == 0)
        n += std::string(pick(2) ? "e" : "E") + (pick(2) ? "-" : "") + std::to_string(pick(12));
      numbers.push_back(n);
      doc += n;
    }
    doc += "]";
    auto decoded = codec_.Decode(doc);
    // A number no representation holds exactly is refused; any other must decode.
    bool holdable = true;
    for (const auto& n : numbers) holdable = holdable && Decimal::Parse(n).ok();
    if (!decoded.ok()) {
      EXPECT_FALSE(holdable) << doc << ": " << decoded.status().ToString();
      continue;
    }
    ASSERT_TRUE(holdable) << doc << " decoded as " << decoded->DebugString();
    std::string again;
    ASSERT_TRUE(codec_.Encode(*decoded, &again).ok()) << doc;
    auto redecoded = codec_.Decode(again);
    ASSERT_TRUE(redecoded.ok()) << again;
    size_t k = 0;
    for (const Value* v : {&*decoded, &*redecoded}) {
      k = 0;
      for (const Value& e : v->as_array()) {
        if (e.is_string()) continue;
        ASSERT_LT(k, numbers.size()) << doc;
        auto exact = ExactDecimalOf(e);
        const Decimal want = *Decimal::Parse(numbers[k]);
        ASSERT_TRUE(exact.ok()) << numbers[k] << " in " << doc << ": " << exact.status().ToString();
        EXPECT_EQ(exact->Compare(want), 0) << numbers[k] << " became " << exact->ToString() << " in " << doc;
        const bool scaled = numbers[k].find_first_of("eE") == std::string::npos && e.is_double();
        if (scaled) {
          EXPECT_EQ(exact->scale(), want.scale()) << numbers[k] << " in " << doc << " -> " << again;
        }
        ++k;
      }
    }
  }
}

TEST(CheckJsonSyntaxTest, AcceptsAnyNumberAndNamesWhereTextIsNotJson) {
  // Valid JSON that no Value holds exactly is still valid syntax.
  EXPECT_TRUE(CheckJsonSyntax(
      R"({"n":123456789012345678901234567890123456789012345678901234567890,"x":1e400})", nullptr));
  JsonSyntaxError e;
  ASSERT_FALSE(CheckJsonSyntax(R"({"n":1e400, "bad": 01})", &e));
  EXPECT_EQ(e.offset, 20u);
  EXPECT_EQ(e.what, "invalid number: leading zero");
  ASSERT_FALSE(CheckJsonSyntax("[1,2", &e));
  EXPECT_EQ(e.what, "truncated: array not closed");
}

// Found by review: results that depended on which path a payload took.
TEST_F(JsonCodecTest, ANumberDecodesTheSameWhateverElseThePayloadHolds) {
  const std::string tail = R"(,"b":1.50,"id":"12345678901234567"})";  // sends a payload down the exact path
  for (std::string_view number : {"1.0e300", "1.0e-40", "95.27130287840e-28", "-3.7095895361740E+7",
                                  "72925738764445e3", "-0.0", "0.00", "9829127774084451E1"}) {
    const std::string alone = "{\"a\":" + std::string(number) + "}";
    const std::string mixed = "{\"a\":" + std::string(number) + tail;
    auto a = codec_.Decode(alone);
    auto m = codec_.Decode(mixed);
    ASSERT_TRUE(a.ok()) << alone << ": " << a.status().ToString();
    ASSERT_TRUE(m.ok()) << mixed << ": " << m.status().ToString();
    std::string ea, em;
    ASSERT_TRUE(codec_.Encode(*a->Get("a"), &ea).ok());
    ASSERT_TRUE(codec_.Encode(*m->Get("a"), &em).ok());
    EXPECT_EQ(ea, em) << number;
    auto da = ExactDecimalOf(*a->Get("a")), dm = ExactDecimalOf(*m->Get("a"));
    ASSERT_EQ(da.ok(), dm.ok()) << number;  // 1e300 has no decimal, on either path
    if (da.ok()) {
      EXPECT_EQ(da->Compare(*dm), 0) << number;
    }
    EXPECT_EQ(std::signbit(a->Get("a")->as_double()), std::signbit(m->Get("a")->as_double())) << number;
  }
  // The double's shortest digits, not all its binary ones.
  EXPECT_EQ(Encode(Decode("72925738764445e3")), "7.2925738764445e+16");
  EXPECT_EQ(Encode(Decode("[-0.0]")), "[-0.0]");
  // 38 digits with no room for ".0": written so it reads back.
  Value big = Decode("12345678901234567890123456789012345678e0");
  EXPECT_EQ(Encode(big), "12345678901234567890123456789012345678e0");
  EXPECT_TRUE(Decode(Encode(big)).Equals(big));
}

TEST_F(JsonCodecTest, LongDigitRunsAcrossBlockBoundaries) {
  // The exact path is chosen by a 64-byte-block scan; a long number straddling
  // a block boundary must still be found, at every offset.
  // The same for a fraction's trailing zero, and at the end of the payload.
  for (const std::string number : {"1234567890.1234567891", "12.50", "0.10"}) {
    for (size_t pad = 0; pad < 140; ++pad) {
      std::string doc = "{\"p\":\"" + std::string(pad, 'x') + "\",\"a\":" + number + "}";
      Value v = Decode(doc);
      ASSERT_TRUE(v.Get("a")->has_kept_exact()) << number << " pad " << pad;
      EXPECT_EQ(Encode(v), doc) << "pad " << pad;
      std::string tail = "[\"" + std::string(pad, 'x') + "\"," + number + "]";
      EXPECT_EQ(Encode(Decode(tail)), tail) << "pad " << pad;
    }
  }
  // Strings with escaped quotes do not shift which number is which.
  const std::string tricky = R"({"s":"a\"1.5\\","t":"\\\"0.10","n":[3,4.5,16.490,7]})";
  EXPECT_EQ(Encode(Decode(tricky)), tricky);
}

TEST_F(JsonCodecTest, DecodesEscapesAndUtf8) {
  Value v = Decode(R"(["a\"b\\c\/d\n\t\r\b\f", "\u00e9\u20ac\ud83d\ude00", "é€😀", "\u0000x"])");
  const Array& a = v.as_array();
  EXPECT_EQ(a[0].as_string(), "a\"b\\c/d\n\t\r\b\f");
  EXPECT_EQ(a[1].as_string(), "é€😀");
  EXPECT_EQ(a[2].as_string(), "é€😀");
  EXPECT_EQ(a[3].as_string(), std::string("\0x", 2));
}

TEST_F(JsonCodecTest, MalformedInputIsAnErrorWithOffset) {
  Status s = DecodeError("");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("empty"), std::string::npos) << s.message();

  s = DecodeError(R"({"a":1,"b":)");  // truncated
  EXPECT_NE(s.message().find("at byte 11"), std::string::npos) << s.message();

  s = DecodeError(R"({"a":1} x)");  // trailing garbage
  EXPECT_NE(s.message().find("at byte 8"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("after the JSON value"), std::string::npos) << s.message();

  s = DecodeError("{\"a\":\"\xff\"}");  // invalid UTF-8 inside a string
  EXPECT_NE(s.message().find("at byte 6"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();

  s = DecodeError(R"([1,,2])");
  EXPECT_NE(s.message().find("at byte 3"), std::string::npos) << s.message();

  s = DecodeError(R"({"a" 1})");
  EXPECT_NE(s.message().find("at byte 5"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("':'"), std::string::npos) << s.message();

  for (const char* bad :
       {" ",   "{",       "[",    "\"abc",   "nul",        "tru",  "01",       "-",           "1.",
        ".5",  "+1",      "[1]]", "{'a':1}", "{\"a\":1,}", "[1,]", "\"a\\x\"", "\"\\ud800\"", "\"tab\there\"",
        "NaN", "Infinity"}) {
    auto r = codec_.Decode(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' decoded as " << (r.ok() ? r->DebugString() : "");
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find("invalid JSON"), std::string::npos) << r.status().message();
    }
  }
}

TEST_F(JsonCodecTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '[');
  EXPECT_FALSE(codec_.Decode(deep).ok());
  std::string closed = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_FALSE(codec_.Decode(closed).ok());
}

TEST_F(JsonCodecTest, ParserIsReusedAcrossPayloadSizes) {
  std::string big = "[";
  for (int i = 0; i < 10000; ++i) big += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  big += "]";
  EXPECT_EQ(Decode(big).as_array().size(), 10000u);
  EXPECT_EQ(Decode("[1]").as_array().size(), 1u);
  EXPECT_FALSE(codec_.Decode("[1").ok());
  EXPECT_EQ(Decode(kEnvelope).Get("payload")->Get("currency")->as_string(), "TON");
}

TEST_F(JsonCodecTest, EncodesCompactInObjectOrder) {
  Object o;
  o.Append("z", Value(int64_t{1}));
  o.Append("a", Value("x"));
  o.Append("n", Value());
  o.Append("b", Value(false));
  o.Append("arr", Value(Array{Value(1), Value(2.5), Value(Array{})}));
  o.Append("o", Value(Object{}));
  EXPECT_EQ(Encode(Value(std::move(o))), R"({"z":1,"a":"x","n":null,"b":false,"arr":[1,2.5,[]],"o":{}})");
}

TEST_F(JsonCodecTest, EncodeRoundTripsTheEnvelopeByteExactly) {
  Value v = Decode(kEnvelope);
  EXPECT_EQ(Encode(v), kEnvelope);
  // The output buffer is reused: a shorter payload after a longer one.
  std::string out;
  ASSERT_TRUE(codec_.Encode(v, &out).ok());
  ASSERT_TRUE(codec_.Encode(Value(7), &out).ok());
  EXPECT_EQ(out, "7");
}

TEST_F(JsonCodecTest, EncodesNumbers) {
  EXPECT_EQ(Encode(Value(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(Encode(Value(16.49)), "16.49");
  EXPECT_EQ(Encode(Value(0.1 + 0.2)), "0.30000000000000004");
  EXPECT_EQ(Encode(Value(3.0)), "3.0");  // stays a double when read back
  EXPECT_EQ(Encode(Value(-0.0)), "-0.0");
  EXPECT_EQ(Encode(Value(1e21)), "1e+21");
  EXPECT_EQ(Encode(Value(1.5e-7)), "1.5e-07");
  EXPECT_TRUE(Decode(Encode(Value(3.0))).is_double());
  EXPECT_EQ(Decode(Encode(Value(1.5e-7))).as_double(), 1.5e-7);
}

TEST_F(JsonCodecTest, EncodesDecimalsWithTheirExactDigits) {
  EXPECT_EQ(Encode(Value(*Decimal::Parse("16.50"))), "16.50");
  EXPECT_EQ(Encode(Value(*Decimal::Parse("-0.05"))), "-0.05");
  EXPECT_EQ(Encode(Value(*Decimal::Parse("12345678901234567890.123456789012345678"))),
            "12345678901234567890.123456789012345678");
  Object o;
  o.Append("amount", Value(*Decimal::Parse("125.50")));
  EXPECT_EQ(Encode(Value(std::move(o))), R"({"amount":125.50})");
}

TEST_F(JsonCodecTest, NonFiniteDoublesAreErrorsNamingThePath) {
  std::string out = "stale";
  Status s = codec_.Encode(Value(std::numeric_limits<double>::quiet_NaN()), &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("NaN"), std::string::npos);
  EXPECT_TRUE(out.empty());

  Object inner;
  inner.Append("rate", Value(Array{Value(1.0), Value(std::numeric_limits<double>::infinity())}));
  Object outer;
  outer.Append("payload", Value(std::move(inner)));
  s = codec_.Encode(Value(std::move(outer)), &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'payload.rate[1]'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("infinite"), std::string::npos) << s.message();
}

TEST_F(JsonCodecTest, EscapesStrings) {
  EXPECT_EQ(Encode(Value("say \"hi\"\\")), R"("say \"hi\"\\")");
  EXPECT_EQ(Encode(Value("a\nb\tc\rd\be\ff")), R"("a\nb\tc\rd\be\ff")");
  EXPECT_EQ(Encode(Value(std::string("\x01\x1f\0", 3))), R"("\u0001\u001f\u0000")");
  EXPECT_EQ(Encode(Value("/ stays / and \x7f stays")), "\"/ stays / and \x7f stays\"");
  EXPECT_EQ(Encode(Value("é€😀 passthrough")), "\"é€😀 passthrough\"");
  // Long strings take the 8-bytes-at-a-time path; escapes at every position.
  std::string s;
  std::string want = "\"";
  for (int i = 0; i < 40; ++i) {
    s += "abcdefg"[i % 7];
    want += "abcdefg"[i % 7];
    if (i % 5 == 0) {
      s += '"';
      want += "\\\"";
    }
  }
  want += '"';
  EXPECT_EQ(Encode(Value(s)), want);
  EXPECT_EQ(Decode(Encode(Value(s))).as_string(), s);
  Object o;
  o.Append("k\"ey", Value(1));
  EXPECT_EQ(Encode(Value(std::move(o))), R"({"k\"ey":1})");
}

// A byte-at-a-time escaper, the reference for the word-at-a-time one.
std::string ReferenceQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

TEST_F(JsonCodecTest, EscapingMatchesAReferenceAtEveryLengthAndPosition) {
  const std::string specials[] = {"\"", "\\", "\n", std::string(1, '\0'), "\x1f", "é", "€", "😀", "\x7f"};
  for (size_t len = 0; len <= 40; ++len) {
    std::string plain;
    for (size_t i = 0; i < len; ++i) plain += static_cast<char>('a' + i % 26);
    ASSERT_EQ(Encode(Value(plain)), ReferenceQuote(plain)) << len;
    for (size_t pos = 0; pos < len; ++pos) {
      for (const std::string& sp : specials) {
        std::string s = plain;
        s.replace(pos, 1, sp);
        ASSERT_EQ(Encode(Value(s)), ReferenceQuote(s)) << "len " << len << " pos " << pos;
        ASSERT_EQ(Decode(Encode(Value(s))).as_string(), s);
      }
    }
  }
}

TEST_F(JsonCodecTest, InvalidUtf8StringsAreEncodeErrors) {
  std::string out;
  Status s = codec_.Encode(Value(std::string("ok \xc3 broken")), &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos);
  Object o;
  o.Append("name", Value(std::string("\xff\xfe")));
  s = codec_.Encode(Value(std::move(o)), &out);
  EXPECT_NE(s.message().find("'name'"), std::string::npos) << s.message();
}

TEST_F(JsonCodecTest, EncodesBytesAsBase64) {
  EXPECT_EQ(Encode(Value(Bytes{"hello"})), R"("aGVsbG8=")");
  EXPECT_EQ(Encode(Value(Bytes{std::string("\0\xff\x10", 3)})), R"("AP8Q")");
  EXPECT_EQ(Encode(Value(Bytes{""})), R"("")");
}

TEST_F(JsonCodecTest, RoundTripsAnythingItDecodes) {
  for (std::string_view doc :
       {std::string_view(kEnvelope), std::string_view(R"([[],{},[{"a":[null,true]}],""])"),
        std::string_view(R"({"n":-12,"d":0.5,"e":1e+300,"s":"\u0001"})")}) {
    Value v = Decode(doc);
    std::string once = Encode(v);
    Value again = Decode(once);
    EXPECT_TRUE(v.Equals(again)) << doc;
    EXPECT_EQ(Encode(again), once) << doc;
  }
}

TEST(AppendJson, AppendsAfterExistingContent) {
  std::string out = "key=";
  ASSERT_TRUE(AppendJson(Value(Array{Value(1), Value("a")}), &out).ok());
  EXPECT_EQ(out, R"(key=[1,"a"])");
}

TEST_F(JsonCodecTest, DecodeProjectedKeepsOnlyTheFieldsRead) {
  Projection p;
  std::string status[] = {"to_status"};
  std::string amount[] = {"payload", "amount"};
  p.AddPath(status, 1);
  p.AddPath(amount, 2);
  auto v = codec_.DecodeProjected(kEnvelope, p);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->DebugString(), R"({"to_status":"FUNDED","payload":{"amount":"125.50"}})");
  // Everything under a whole projection, and the whole value for All().
  auto all = codec_.DecodeProjected(kEnvelope, Projection::All());
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Equals(*codec_.Decode(kEnvelope)));
  // Validation does not depend on the projection.
  EXPECT_FALSE(codec_.DecodeProjected(R"({"to_status":"FUNDED","x":[1,})", p).ok());
}

}  // namespace
}  // namespace topo
