#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "engine/base/partitioner.h"
#include "engine/expr/expr.h"
#include "engine/serde/json_codec.h"
#include "tests/testing/values.h"

namespace topo::expr {
namespace {

Value J(std::string_view json) { return testing::Json(json); }
using testing::Dec;

class FunctionsTest : public ::testing::Test {
 protected:
  FunctionsTest() {
    scope_.vars = {{"value", Type::Any()}};
    value_ = J(R"({"s": "  Hello World  ", "csv": "a,b,,c", "n": 7, "neg": -7, "d": 2.675, "nd": -2.5,
                   "obj": {"a": 1, "b": "x"}, "arr": [3, 1, 2], "nul": null, "t": "2025-01-15T10:30:00.000Z",
                   "ts": 1736937000000, "amount": "16.49", "bad": "12x", "flag": true})");
    value_.MutableObject().Set("dec", Dec("16.485"));
    value_.MutableObject().Set("bytes", Value(Bytes{"abc"}));
  }

  Result<Value> Eval(std::string_view src) {
    std::vector<CompileError> errors;
    auto c = CompiledExpr::Compile(src, scope_, &errors);
    if (!c.ok()) {
      ADD_FAILURE() << "compile failed: " << errors.at(0).Render(src);
      return c.status();
    }
    const Value* slots[] = {&value_};
    return c->Eval(slots);
  }
  Value V(std::string_view src) {
    auto r = Eval(src);
    EXPECT_TRUE(r.ok()) << src << ": " << r.status().message();
    return r.ok() ? *r : Value("<error>");
  }
  // A constant argument that fails is reported when compiling: "column: message".
  std::string CE(std::string_view src) {
    std::vector<CompileError> errors;
    auto c = CompiledExpr::Compile(src, scope_, &errors);
    EXPECT_FALSE(c.ok()) << src;
    return errors.empty() ? "" : std::to_string(errors[0].column) + ": " + errors[0].message;
  }
  std::string E(std::string_view src) {
    auto r = Eval(src);
    EXPECT_FALSE(r.ok()) << src << " evaluated to " << (r.ok() ? r->DebugString() : "");
    return r.ok() ? "" : r.status().message();
  }

  Scope scope_;
  Value value_;
};

TEST_F(FunctionsTest, Strings) {
  EXPECT_EQ(V("lower('DealFunded')"), Value("dealfunded"));
  EXPECT_EQ(V("upper(value.s)"), Value("  HELLO WORLD  "));
  EXPECT_EQ(V("lower('\xc3\x89t\xc3\xa9')"),
            Value("\xc3\x89t\xc3\xa9"));  // ASCII only: bytes above 0x7F untouched
  EXPECT_EQ(V("trim(value.s)"), Value("Hello World"));
  EXPECT_EQ(V("trim(' \\t\\n ')"), Value(""));
  EXPECT_EQ(V("contains(value.s, 'World')"), Value(true));
  EXPECT_EQ(V("contains(value.s, 'world')"), Value(false));
  EXPECT_EQ(V("contains(value.arr, 2)"), Value(true));
  EXPECT_EQ(V("contains(value.arr, 9)"), Value(false));
  EXPECT_EQ(E("contains(value.s, 1)"),
            "column 1: contains: argument 2 must be string when argument 1 is a string, got int");
  EXPECT_EQ(V("starts_with(trim(value.s), 'Hell')"), Value(true));
  EXPECT_EQ(V("ends_with(trim(value.s), 'World')"), Value(true));
  EXPECT_EQ(V("ends_with('a', 'abc')"), Value(false));
  EXPECT_EQ(V("split(value.csv, ',')"), J(R"(["a", "b", "", "c"])"));
  EXPECT_EQ(V("split('a--b', '--')"), J(R"(["a", "b"])"));
  EXPECT_EQ(V("split('', ',')"), J(R"([""])"));
  EXPECT_EQ(V("concat('a', 1, 2.5, true, null, value.dec, [1], {x: 'y'})"),
            Value("a12.5true16.485[1]{\"x\":\"y\"}"));
  EXPECT_EQ(V("concat()"), Value(""));
  EXPECT_EQ(V("concat(value.nul)"), Value(""));
  EXPECT_EQ(V("substr('abcdef', 2)"), Value("cdef"));
  EXPECT_EQ(V("substr('abcdef', 2, 3)"), Value("cde"));
  EXPECT_EQ(V("substr('abcdef', -2)"), Value("ef"));
  EXPECT_EQ(V("substr('abcdef', 10)"), Value(""));
  EXPECT_EQ(V("substr('abcdef', -10, 2)"), Value("ab"));
  EXPECT_EQ(V("substr('abcdef', 4, 100)"), Value("ef"));
  EXPECT_EQ(E("substr('abcdef', 1, value.neg)"), "column 1: substr: length must be >= 0, got -7");
  EXPECT_EQ(V("len('h\xc3\xa9')"), Value(3));  // bytes, not characters
  EXPECT_EQ(V("len(value.arr)"), Value(3));
  EXPECT_EQ(V("len(value.obj)"), Value(2));
  EXPECT_EQ(V("len(value.bytes)"), Value(3));
  EXPECT_EQ(V("len(value.missing)"), Value(0));
  EXPECT_EQ(E("len(value.n)"), "column 1: len: argument 1 must be string, bytes, array or object, got int");
  EXPECT_EQ(V("format('{} owes {} ({})', 'bob', value.dec, value.nul)"), Value("bob owes 16.485 (null)"));
  EXPECT_EQ(V("format('{{}} {}', 1)"), Value("{} 1"));
  EXPECT_EQ(V("format('none')"), Value("none"));
  EXPECT_EQ(E("format(value.t + '{}')"),
            "column 1: format: format string has 1 placeholder(s) but 0 argument(s) follow it");
  EXPECT_EQ(V("replace('a-b-c', '-', '+')"), Value("a+b+c"));
  EXPECT_EQ(V("replace('aaa', 'aa', 'b')"), Value("ba"));
  EXPECT_EQ(V("replace('abc', '', 'x')"), Value("abc"));
  EXPECT_EQ(V("string(value.n)"), Value("7"));
  EXPECT_EQ(V("string(value.d)"), Value("2.675"));
  EXPECT_EQ(V("string(value.dec)"), Value("16.485"));
  EXPECT_EQ(V("string(decimal('1.50'))"), Value("1.50"));
  EXPECT_EQ(V("string(true)"), Value("true"));
  EXPECT_EQ(V("string(value.s)"), Value("  Hello World  "));
  EXPECT_EQ(V("string(value.obj)"), Value("{\"a\":1,\"b\":\"x\"}"));
  EXPECT_EQ(V("string(value.bytes)"), Value("\"YWJj\""));
}

TEST_F(FunctionsTest, CaseFoldedComparisonsBehaveLikeTheFunctions) {
  // lower(x) == 'k' is evaluated without building the lowered string; results
  // and errors must match the plain function call.
  value_.MutableObject().Set("ev", Value("DealFunded"));
  EXPECT_EQ(V("lower(value.ev) == 'dealfunded'"), Value(true));
  EXPECT_EQ(V("'dealfunded' == lower(value.ev)"), Value(true));
  EXPECT_EQ(V("lower(value.ev) == 'DealFunded'"), Value(false));
  EXPECT_EQ(V("lower(value.ev) != 'dealfunded'"), Value(false));
  EXPECT_EQ(V("lower(value.ev) == 'dealfunde'"), Value(false));
  EXPECT_EQ(V("upper(value.ev) == 'DEALFUNDED'"), Value(true));
  EXPECT_EQ(V("upper(value.ev) != 'DEALFUNDEd'"), Value(true));
  EXPECT_EQ(V("lower(value.missing) == 'x'"), Value(false));
  EXPECT_EQ(V("lower(value.missing) != 'x'"), Value(true));
  EXPECT_EQ(V("lower(value.missing) == null"), Value(true));
  EXPECT_EQ(E("lower(value.n) == 'x'"), "column 1: lower: argument 1 must be string, got int");
  EXPECT_EQ(E("value.flag && upper(value.n) != 'x'"), "column 15: upper: argument 1 must be string, got int");
  EXPECT_EQ(V("lower('ABC') == 'abc'"), Value(true));  // folded to a constant
}

TEST_F(FunctionsTest, NullInNullOut) {
  for (const char* src :
       {"lower(value.missing)", "upper(value.nul)", "trim(value.missing)", "split(value.missing, ',')",
        "substr(value.missing, 1)", "string(value.missing)", "decimal(value.missing)",
        "round(value.missing, 2)", "int(value.missing)", "abs(value.missing)", "parse_time(value.missing)",
        "format_time(value.missing)", "ms(value.missing)", "hash(value.missing)",
        "partition_of(value.missing, 3)", "keys(value.missing)", "parse_json(value.missing)",
        "min(value.missing, 1)", "contains(value.missing, 'x')"}) {
    EXPECT_EQ(V(src), Value()) << src;
  }
  EXPECT_EQ(V("lower(value.missing) == 'x'"), Value(false));
}

TEST_F(FunctionsTest, ArgumentKindsAreCheckedAtRunTime) {
  EXPECT_EQ(E("lower(value.n)"), "column 1: lower: argument 1 must be string, got int");
  EXPECT_EQ(E("decimal(value.flag)"),
            "column 1: decimal: argument 1 must be int, double, decimal or string, got bool");
  EXPECT_EQ(E("keys(value.arr)"), "column 1: keys: argument 1 must be object, got array");
  EXPECT_EQ(E("format(value.nul)"), "column 1: format: argument 1 must be string, got null");
}

TEST_F(FunctionsTest, Decimal) {
  EXPECT_EQ(V("decimal('16.49')"), Dec("16.49"));
  EXPECT_EQ(V("decimal(value.amount)").as_decimal().ToString(), "16.49");
  EXPECT_EQ(V("decimal(5)").as_decimal().ToString(), "5");
  EXPECT_EQ(V("decimal(16.49)").as_decimal().ToString(), "16.49");  // shortest repr, not 16.4899999...
  EXPECT_EQ(V("decimal(0.1)").as_decimal().ToString(), "0.1");
  EXPECT_EQ(V("decimal(value.dec)"), Dec("16.485"));
  EXPECT_EQ(E("decimal(value.bad)"), "column 1: decimal: cannot parse '12x' as a decimal");
  EXPECT_EQ(E("decimal(value.s)"), "column 1: decimal: cannot parse '  Hello World  ' as a decimal");
}

TEST_F(FunctionsTest, NumbersDecodedWithMoreDigitsThanADoubleStayExact) {
  value_ = J(R"({"a": 12345678901234567890.55, "b": 1.00000000000000001, "c": 16.49})");
  EXPECT_EQ(V("decimal(value.a)").as_decimal().ToString(), "12345678901234567890.55");
  EXPECT_EQ(V("string(value.a)").as_string(), "12345678901234567890.55");
  EXPECT_EQ(V("decimal(value.b) - decimal('1')").as_decimal().ToString(), "0.00000000000000001");
  EXPECT_TRUE(V("value.b > 1.0").as_bool());  // compared by the exact value, not the double 1.0
  EXPECT_TRUE(V("value.a == decimal('12345678901234567890.55')").as_bool());
  EXPECT_FALSE(V("value.a == decimal('12345678901234567890.5')").as_bool());
  EXPECT_EQ(V("round(value.a, 1)").as_double(), 12345678901234567890.6);
  EXPECT_EQ(V("decimal(value.c)").as_decimal().ToString(), "16.49");
  // Arithmetic on the double is double arithmetic: the kept value is gone.
  EXPECT_FALSE(V("value.a * 1.0").has_kept_exact());
}

TEST_F(FunctionsTest, DecimalOfADoubleNeverRounds) {
  value_ = J(R"({"tiny": 1.5e-37, "huge": 1e300})");
  EXPECT_NE(E("decimal(value.tiny)").find("has no exact decimal"), std::string::npos);
  EXPECT_NE(E("decimal(value.huge)").find("has no exact decimal"), std::string::npos);
}

TEST_F(FunctionsTest, NoNanOrInfinityIsEverAValue) {
  value_ = J(R"({"big": 1e308, "nan": "NaN", "inf": "-Infinity", "small": 1e-308})");
  EXPECT_NE(E("double(value.nan)").find("is not a finite double"), std::string::npos);
  EXPECT_NE(E("double(value.inf)").find("is not a finite double"), std::string::npos);
  EXPECT_NE(E("value.big * 10.0").find("double overflow: 1e+308 * 10 is not a finite number"),
            std::string::npos);
  EXPECT_NE(E("value.big + value.big").find("not a finite number"), std::string::npos);
  EXPECT_NE(E("1.0 / value.small / value.small").find("not a finite number"), std::string::npos);
  EXPECT_EQ(CE("double('NaN')"), "1: double: 'NaN' is not a finite double");
  // A literal beyond a double's range is refused, not read as 0 or infinity.
  EXPECT_EQ(CE("value.n > 1e-400"), "11: number out of range: 1e-400");
  EXPECT_EQ(CE("value.n > 1e400"), "11: number out of range: 1e400");
}

TEST_F(FunctionsTest, Round) {
  EXPECT_EQ(V("round(value.dec, 2)").as_decimal().ToString(), "16.48");  // half_even default
  EXPECT_EQ(V("round(value.dec, 2, 'half_up')").as_decimal().ToString(), "16.49");
  EXPECT_EQ(V("round(value.dec, 2, 'half_down')").as_decimal().ToString(), "16.48");
  EXPECT_EQ(V("round(value.dec, 1, 'up')").as_decimal().ToString(), "16.5");
  EXPECT_EQ(V("round(value.dec, 1, 'down')").as_decimal().ToString(), "16.4");
  EXPECT_EQ(V("round(-value.dec, 1, 'ceiling')").as_decimal().ToString(), "-16.4");
  EXPECT_EQ(V("round(-value.dec, 1, 'floor')").as_decimal().ToString(), "-16.5");
  EXPECT_EQ(V("round(decimal('1.5'), 4)").as_decimal().ToString(), "1.5000");
  EXPECT_EQ(V("round(value.dec)").as_decimal().ToString(), "16");
  EXPECT_EQ(V("round(decimal(value.amount) * decimal('0.01'), 2)").as_decimal().ToString(), "0.16");
  EXPECT_EQ(V("round(value.d, 2)"),
            Value(2.68));  // through the shortest decimal form: 2.675 -> 2.68 (half even)
  EXPECT_EQ(V("round(value.d, 2, 'down')"), Value(2.67));
  EXPECT_EQ(V("round(value.nd)"), Value(-2.0));  // half_even
  EXPECT_EQ(V("round(value.nd, 0, 'half_up')"), Value(-3.0));
  EXPECT_EQ(V("round(value.n, 2)"), Value(7));
  EXPECT_EQ(E("round(value.dec, value.neg)"), "column 1: round: scale must be 0..36, got -7");
  EXPECT_EQ(
      E("round(value.dec, 2, value.s)"),
      "column 1: round: unknown rounding mode '  Hello World  ' (expected half_even, half_up, half_down, up, "
      "down, ceiling or floor)");
}

TEST_F(FunctionsTest, NumberConversions) {
  EXPECT_EQ(V("int(value.d)"), Value(2));
  EXPECT_EQ(V("int(value.nd)"), Value(-2));
  EXPECT_EQ(V("int(value.dec)"), Value(16));
  EXPECT_EQ(V("int('42')"), Value(42));
  EXPECT_EQ(V("int('-42')"), Value(-42));
  EXPECT_EQ(V("int(true)"), Value(1));
  EXPECT_EQ(V("int(value.n)"), Value(7));
  EXPECT_EQ(E("int(value.bad)"), "column 1: int: cannot parse '12x' as an int");
  EXPECT_EQ(CE("int('')"), "1: int: cannot parse '' as an int");
  EXPECT_EQ(CE("int(1e300)"), "1: int: 1e+300 does not fit in an int");
  EXPECT_EQ(CE("int(decimal('1e30'))"), "1: int: 1000000000000000000000000000000 does not fit in an int");
  EXPECT_EQ(V("double(value.n)"), Value(7.0));
  EXPECT_TRUE(V("double(value.n)").is_double());
  EXPECT_EQ(V("double(value.dec)"), Value(16.485));
  EXPECT_EQ(V("double('2.5')"), Value(2.5));
  EXPECT_EQ(CE("double('x')"), "1: double: cannot parse 'x' as a double");
  EXPECT_EQ(V("abs(value.neg)"), Value(7));
  EXPECT_EQ(V("abs(value.nd)"), Value(2.5));
  EXPECT_EQ(V("abs(-value.dec)"), Dec("16.485"));
  EXPECT_EQ(CE("abs(-9223372036854775808)"), "1: abs: integer overflow");
  EXPECT_EQ(V("min(3, 1.5)"), Value(1.5));
  EXPECT_EQ(V("max(3, 1.5)"), Value(3));
  EXPECT_EQ(V("max(value.dec, 16, 17)"), Value(17));
  EXPECT_EQ(V("min('b', 'a', 'c')"), Value("a"));
  EXPECT_EQ(CE("min('b', 1)"), "1: min: cannot compare string with int");
  EXPECT_EQ(V("floor(value.d)"), Value(2.0));
  EXPECT_EQ(V("ceil(value.d)"), Value(3.0));
  EXPECT_EQ(V("floor(value.nd)"), Value(-3.0));
  EXPECT_EQ(V("floor(-value.dec)").as_decimal().ToString(), "-17");
  EXPECT_EQ(V("ceil(value.dec)").as_decimal().ToString(), "17");
  EXPECT_EQ(V("ceil(value.n)"), Value(7));
}

TEST_F(FunctionsTest, Time) {
  EXPECT_EQ(V("parse_time(value.t)"), Value(int64_t{1736937000000}));
  EXPECT_EQ(V("parse_time('2025-01-15T10:30:00Z')"), Value(int64_t{1736937000000}));
  EXPECT_EQ(V("parse_time('2025-01-15T12:30:00+02:00')"), Value(int64_t{1736937000000}));
  EXPECT_EQ(V("parse_time('2025-01-15')"), Value(int64_t{1736899200000}));
  EXPECT_EQ(V("format_time(value.ts)"), Value("2025-01-15T10:30:00.000Z"));
  EXPECT_EQ(V("format_time(parse_time(value.t) + ms('1d'))"), Value("2025-01-16T10:30:00.000Z"));
  EXPECT_EQ(V("truncate_time(value.ts + 1234, 'minute')"), Value(int64_t{1736937000000}));
  EXPECT_EQ(V("format_time(truncate_time(value.ts, 'hour'))"), Value("2025-01-15T10:00:00.000Z"));
  EXPECT_EQ(V("format_time(truncate_time(value.ts, 'day'))"), Value("2025-01-15T00:00:00.000Z"));
  EXPECT_EQ(V("format_time(truncate_time(value.ts, 'month'))"), Value("2025-01-01T00:00:00.000Z"));
  EXPECT_EQ(V("format_time(truncate_time(value.ts, 'year'))"), Value("2025-01-01T00:00:00.000Z"));
  EXPECT_EQ(V("truncate_time(value.ts + 999, 'second')"), Value(int64_t{1736937000000}));
  EXPECT_EQ(V("ms('250ms')"), Value(250));
  EXPECT_EQ(V("ms('1s')"), Value(1000));
  EXPECT_EQ(V("ms('5m')"), Value(300000));
  EXPECT_EQ(V("ms('2h')"), Value(7200000));
  EXPECT_EQ(V("ms('1d')"), Value(86400000));
  EXPECT_EQ(V("ms('1h30m')"), Value(5400000));
  EXPECT_EQ(E("parse_time(value.bad)"),
            "column 1: parse_time: not an ISO-8601 time (expected YYYY-MM-DD): '12x'");
  EXPECT_EQ(
      E("truncate_time(value.ts, value.bad)"),
      "column 1: truncate_time: unknown time unit '12x' (use second, minute, hour, day, month or year)");
  EXPECT_EQ(E("ms(value.bad)"),
            "column 1: ms: bad duration '12x' (expected a unit; use e.g. 250ms, 1s, 5m, 2h, 1d, 1h30m)");
}

TEST_F(FunctionsTest, Hashing) {
  EXPECT_EQ(V("hash('foobar')"), Value(-790332482));
  EXPECT_EQ(V("hash('21')"), Value(-973932308));
  EXPECT_EQ(V("hash(21)"), Value(-973932308));          // non-strings hash their JSON text
  EXPECT_EQ(V("hash(value.bytes)"), Value(479470107));  // bytes hash raw: same as 'abc'
  EXPECT_EQ(V("partition_of('21', 12)"), Value(int64_t{PartitionForKey("21", 12)}));
  EXPECT_EQ(V("partition_of('foobar', 1)"), Value(0));
  for (int n = 1; n < 20; ++n) {
    Value p = V("partition_of('deal-' + string(" + std::to_string(n) + "), 7)");
    ASSERT_TRUE(p.is_int());
    EXPECT_GE(p.as_int(), 0);
    EXPECT_LT(p.as_int(), 7);
  }
  EXPECT_EQ(E("partition_of('x', value.neg)"),
            "column 1: partition_of: partition count must be 1..2147483647, got -7");
}

TEST_F(FunctionsTest, Misc) {
  EXPECT_EQ(V("coalesce(value.missing, value.nul, 'x', 'y')"), Value("x"));
  EXPECT_EQ(V("coalesce(value.missing)"), Value());
  EXPECT_EQ(V("coalesce(value.n, value.n / 0)"), Value(7));  // lazy: the rest never runs
  EXPECT_EQ(V("if(value.flag, 'a', 'b')"), Value("a"));
  EXPECT_EQ(V("if(value.missing, 'a', 'b')"), Value("b"));
  EXPECT_EQ(V("if(value.flag, 1, value.n / 0)"), Value(1));  // lazy
  EXPECT_EQ(V("is_null(value.missing)"), Value(true));
  EXPECT_EQ(V("is_null(value.n)"), Value(false));
  EXPECT_EQ(V("type_of(value.n)"), Value("int"));
  EXPECT_EQ(V("type_of(value.missing)"), Value("null"));
  EXPECT_EQ(V("type_of(value.dec)"), Value("decimal"));
  EXPECT_EQ(V("type_of(value.obj)"), Value("object"));
  EXPECT_EQ(V("keys(value.obj)"), J(R"(["a", "b"])"));
  EXPECT_EQ(V("values(value.obj)"), J(R"([1, "x"])"));
  EXPECT_EQ(V("json(value.obj)"), Value("{\"a\":1,\"b\":\"x\"}"));
  EXPECT_EQ(V("json(value.missing)"), Value("null"));
  EXPECT_EQ(V("json('a\"b')"), Value("\"a\\\"b\""));
  EXPECT_EQ(V("json(value.dec)"), Value("16.485"));
  EXPECT_EQ(V("parse_json('{\"a\": [1, 2.5, \"x\", null, true]}')"),
            J(R"({"a": [1, 2.5, "x", null, true]})"));
  EXPECT_EQ(V("parse_json(json(value.obj))"), value_.as_object().Find("obj") ? *value_.Get("obj") : Value());
  EXPECT_EQ(
      E("parse_json(value.bad + '{bad')"),
      "column 1: parse_json: invalid JSON at byte 2: unexpected content after the JSON value (Problem while "
      "parsing a number)");
}

// json(), the JSON text of arrays, objects and bytes in string()/concat()/format(),
// and hash() keys are what serde's json codec writes; parse_json() is its decoder.
TEST_F(FunctionsTest, JsonTextIsTheJsonCodecs) {
  value_.MutableObject().Set("two", Value(2.0));
  value_.MutableObject().Set("nan", Value(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(V("json(value.two)"), Value("2.0"));  // decodes as a double again
  EXPECT_EQ(V("string(value.two)"), Value("2"));
  EXPECT_EQ(V("concat([value.two, 0.5])"), Value("[2.0,0.5]"));
  EXPECT_EQ(V("hash(value.two)"), V("hash('2.0')"));
  EXPECT_EQ(V("string(value.nan)"), Value("NaN"));
  EXPECT_EQ(E("json(value.nan)"), "column 1: json: cannot encode as JSON: NaN cannot be encoded as JSON");
  EXPECT_EQ(E("concat('x', [value.nan])"),
            "column 1: concat: cannot encode as JSON: value at '[0]': NaN cannot be encoded as JSON");
  EXPECT_EQ(E("hash(value.nan)"), "column 1: hash: cannot encode as JSON: NaN cannot be encoded as JSON");
  EXPECT_EQ(V("parse_json('{\"a\": 1, \"a\": 2}').a"), Value(1));  // duplicate keys kept; the first wins
  EXPECT_EQ(V("parse_json('18446744073709551616')"),
            Value(*Decimal::Parse("18446744073709551616")));  // exact
}

TEST_F(FunctionsTest, UuidAndNowAreFreshEachTime) {
  auto c = CompiledExpr::Compile("uuid()", scope_, nullptr);
  ASSERT_TRUE(c.ok());
  const Value* slots[] = {&value_};
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    Value u = *c->Eval(slots);
    ASSERT_TRUE(u.is_string());
    const std::string& s = u.as_string();
    ASSERT_EQ(s.size(), 36u) << s;
    EXPECT_EQ(s[8], '-');
    EXPECT_EQ(s[14], '4');                                                           // version 4
    EXPECT_TRUE(s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b') << s;  // RFC 4122 variant
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 100u);  // never folded into one constant
  auto now = CompiledExpr::Compile("now() > parse_time('2024-01-01')", scope_, nullptr);
  ASSERT_TRUE(now.ok());
  EXPECT_TRUE(*now->EvalBool(slots));
}

TEST_F(FunctionsTest, FunctionNamesListsTheLibrary) {
  auto names = FunctionNames();
  for (const char* n :
       {"lower",    "upper",      "trim",        "contains",      "starts_with", "ends_with", "split",
        "concat",   "substr",     "len",         "format",        "replace",     "string",    "decimal",
        "round",    "int",        "double",      "abs",           "min",         "max",       "floor",
        "ceil",     "parse_time", "format_time", "truncate_time", "ms",          "hash",      "partition_of",
        "coalesce", "if",         "is_null",     "type_of",       "keys",        "values",    "uuid",
        "now",      "json",       "parse_json"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
}

}  // namespace
}  // namespace topo::expr
