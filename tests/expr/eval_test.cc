#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engine/expr/expr.h"
#include "engine/serde/json_codec.h"
#include "tests/testing/values.h"

namespace topo::expr {
namespace {

Value J(std::string_view json) { return testing::Json(json); }
using testing::Dec;

// An untyped record scope: every check happens at run time.
class EvalTest : public ::testing::Test {
 protected:
  EvalTest() {
    for (const char* n : {"key", "value", "headers", "timestamp", "topic", "partition", "offset"})
      scope_.vars.push_back({n, Type::Any()});
    key_ = Value("k-1");
    value_ = J(R"({"s": "Hello", "n": 7, "zero": 0, "neg": -7, "d": 2.5, "flag": true, "no": false,
                   "arr": [10, 20, 30], "obj": {"a": {"b": 1}}, "tags": ["vip", "eu"], "nul": null,
                   "big": 9223372036854775807, "i": 1, "k": "s", "amount": "16.49"})");
    value_.MutableObject().Set("dec", Dec("16.49"));
    timestamp_ = Value(int64_t{1736937000000});
  }

  Result<Value> Eval(std::string_view src) {
    std::vector<CompileError> errors;
    auto c = CompiledExpr::Compile(src, scope_, &errors);
    if (!c.ok()) {
      ADD_FAILURE() << "compile failed: " << src << ": " << errors.at(0).Render(src);
      return c.status();
    }
    const Value* slots[] = {&key_, &value_, nullptr, &timestamp_, nullptr, nullptr, nullptr};
    return c->Eval(slots);
  }

  Value V(std::string_view src) {
    auto r = Eval(src);
    EXPECT_TRUE(r.ok()) << src << ": " << r.status().message();
    return r.ok() ? *r : Value("<error>");
  }

  // The error message of a record-level failure.
  std::string E(std::string_view src) {
    auto r = Eval(src);
    EXPECT_FALSE(r.ok()) << src << " evaluated to " << (r.ok() ? r->DebugString() : "");
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  }

  Result<bool> B(std::string_view src) {
    auto c = CompiledExpr::Compile(src, scope_, nullptr);
    EXPECT_TRUE(c.ok()) << src << ": " << c.status().message();
    if (!c.ok()) return c.status();
    const Value* slots[] = {&key_, &value_, nullptr, &timestamp_, nullptr, nullptr, nullptr};
    return c->EvalBool(slots);
  }

  Scope scope_;
  Value key_, value_, timestamp_;
};

TEST_F(EvalTest, IntegerArithmetic) {
  EXPECT_EQ(V("1 + 2 * 3"), Value(7));
  EXPECT_EQ(V("value.n + 1"), Value(8));
  EXPECT_EQ(V("value.n - 10"), Value(-3));
  EXPECT_EQ(V("value.n * value.n"), Value(49));
  EXPECT_TRUE(V("value.n / 2").is_int());
  EXPECT_EQ(V("value.n / 2"), Value(3));     // truncates toward zero, like Java
  EXPECT_EQ(V("value.neg / 2"), Value(-3));  // not -4
  EXPECT_EQ(V("value.n % 3"), Value(1));
  EXPECT_EQ(V("value.neg % 3"), Value(-1));  // sign of the dividend
  EXPECT_EQ(V("-value.n"), Value(-7));
  EXPECT_EQ(V("-9223372036854775808 % -1"), Value(0));
}

TEST_F(EvalTest, DoubleAndDecimalArithmetic) {
  EXPECT_EQ(V("value.n / 2.0"), Value(3.5));
  EXPECT_EQ(V("value.d + 1"), Value(3.5));
  EXPECT_EQ(V("value.d * 2"), Value(5.0));
  EXPECT_EQ(V("value.d % 1"), Value(0.5));
  Value d = V("value.dec + 1");
  ASSERT_TRUE(d.is_decimal());
  EXPECT_EQ(d.as_decimal().ToString(), "17.49");
  EXPECT_EQ(V("decimal('1.10') + decimal('2.205')").as_decimal().ToString(), "3.305");
  EXPECT_EQ(V("decimal('1.10') * 3").as_decimal().ToString(), "3.30");
  EXPECT_EQ(V("value.dec - decimal('0.49')").as_decimal().ToString(), "16.00");
  EXPECT_EQ(V("decimal('10') / 4"), Dec("2.5"));
  EXPECT_EQ(V("decimal('10') % 3"), Dec("1"));
  EXPECT_EQ(V("-value.dec"), Dec("-16.49"));
  EXPECT_EQ(V("decimal(value.amount) * decimal('0.01')").as_decimal().ToString(), "0.1649");
}

TEST_F(EvalTest, ArithmeticErrorsAreRecordErrors) {
  EXPECT_EQ(E("value.n / value.zero"), "column 9: division by zero");
  EXPECT_EQ(E("value.n % value.zero"), "column 9: division by zero (in '%')");
  EXPECT_EQ(E("value.d / value.zero"), "column 9: division by zero");
  EXPECT_EQ(E("value.dec / value.zero"), "column 11: division by zero");
  EXPECT_EQ(
      E("value.big + 1"),
      "column 11: integer overflow: 9223372036854775807 + 1 does not fit in int64 (use decimal(x) for large "
      "values)");
  EXPECT_EQ(
      E("value.big * 2"),
      "column 11: integer overflow: 9223372036854775807 * 2 does not fit in int64 (use decimal(x) for large "
      "values)");
  EXPECT_EQ(
      E("-value.big - 2"),
      "column 12: integer overflow: -9223372036854775807 - 2 does not fit in int64 (use decimal(x) for large "
      "values)");
  EXPECT_EQ(E("value.dec * value.d"), "column 11: decimal arithmetic with a double: convert with decimal(x)");
  EXPECT_EQ(E("value.s + value.n"),
            "column 9: cannot add string and int ('+' adds numbers or joins two strings; use concat() or "
            "string() for "
            "other values)");
  EXPECT_EQ(E("value.nul * 2"), "column 11: cannot apply '*' to null and int (it needs numbers)");
  EXPECT_EQ(E("-value.s"), "column 1: '-' needs a number, got string");
}

TEST_F(EvalTest, StringConcatenation) {
  EXPECT_EQ(V("value.s + ', ' + key"), Value("Hello, k-1"));
  EXPECT_EQ(V("'' + ''"), Value(""));
}

TEST_F(EvalTest, Comparisons) {
  EXPECT_EQ(V("1 < 2.5"), Value(true));
  EXPECT_EQ(V("value.n >= 7"), Value(true));
  EXPECT_EQ(V("value.n > 7"), Value(false));
  EXPECT_EQ(V("7 <= value.n"), Value(true));
  EXPECT_EQ(V("8 <= value.n"), Value(false));
  EXPECT_EQ(V("100 > value.n"), Value(true));
  EXPECT_EQ(V("value.dec > 16"), Value(true));
  EXPECT_EQ(V("value.dec < value.d"), Value(false));
  EXPECT_EQ(V("value.dec >= decimal('16.490')"), Value(true));
  EXPECT_EQ(V("value.d > 2"), Value(true));
  EXPECT_EQ(V("value.d < 2.6"), Value(true));
  EXPECT_EQ(V("'abc' < 'abd'"), Value(true));
  EXPECT_EQ(V("value.s > 'Hellm'"), Value(true));
  EXPECT_EQ(V("value.s < key"), Value(true));  // 'H' < 'k' bytewise
  EXPECT_EQ(
      E("value.missing > 1"),
      "column 15: cannot compare null with int using '>' (a missing field is null; use ?? for a default)");
  EXPECT_EQ(
      E("1 < value.missing"),
      "column 3: cannot compare int with null using '<' (a missing field is null; use ?? for a default)");
  EXPECT_EQ(E("value.s < value.n"), "column 9: cannot compare string with int using '<'");
  EXPECT_EQ(E("value.flag > value.no"), "column 12: cannot compare bool with bool using '>'");
  EXPECT_EQ(V("(value.missing ?? 0) > 1"), Value(false));
}

TEST_F(EvalTest, Equality) {
  EXPECT_EQ(V("1 == 1.0"), Value(true));
  EXPECT_EQ(V("value.dec == 16.49"), Value(true));
  EXPECT_EQ(V("value.dec == decimal('16.490')"), Value(true));
  EXPECT_EQ(V("value.n == 7"), Value(true));
  EXPECT_EQ(V("7 == value.n"), Value(true));
  EXPECT_EQ(V("value.n != 7"), Value(false));
  EXPECT_EQ(V("value.s == 'Hello'"), Value(true));
  EXPECT_EQ(V("'Hello' == value.s"), Value(true));
  EXPECT_EQ(V("value.s != 'hello'"), Value(true));
  EXPECT_EQ(V("value.s == value.n"), Value(false));  // untyped: no compile error, just unequal
  EXPECT_EQ(V("null == null"), Value(true));
  EXPECT_EQ(V("value.missing == null"), Value(true));
  EXPECT_EQ(V("value.nul == null"), Value(true));
  EXPECT_EQ(V("value.n == null"), Value(false));
  EXPECT_EQ(V("value.n != null"), Value(true));
  EXPECT_EQ(V("value.arr == [10, 20, 30]"), Value(true));
  EXPECT_EQ(V("{a: 1, b: 2} == {b: 2, a: 1}"), Value(true));
  EXPECT_EQ(V("value.obj == {a: {b: 1}}"), Value(true));
  EXPECT_EQ(V("value.flag == true"), Value(true));
  EXPECT_EQ(V("value.s == value.s"), Value(true));
}

TEST_F(EvalTest, InOperator) {
  EXPECT_EQ(V("'vip' in value.tags"), Value(true));
  EXPECT_EQ(V("'us' in value.tags"), Value(false));
  EXPECT_EQ(V("20 in value.arr"), Value(true));
  EXPECT_EQ(V("20.0 in value.arr"), Value(true));
  EXPECT_EQ(V("'a' in value.obj"), Value(true));
  EXPECT_EQ(V("'z' in value.obj"), Value(false));
  EXPECT_EQ(V("'ell' in value.s"), Value(true));
  EXPECT_EQ(V("'xyz' in value.s"), Value(false));
  EXPECT_EQ(V("'x' in value.missing"), Value(false));
  EXPECT_EQ(V("!('x' in value.tags)"), Value(true));
  EXPECT_EQ(E("1 in value.n"), "column 3: 'in' needs an array, object or string on the right, got int");
  EXPECT_EQ(E("1 in value.s"), "column 3: 'in' on a string needs a string on the left, got int");
  EXPECT_EQ(E("1 in value.obj"), "column 3: 'in' on an object needs a string on the left, got int");
}

TEST_F(EvalTest, LogicShortCircuitsAndTreatsNullAsFalse) {
  EXPECT_EQ(V("value.flag && value.n > 1"), Value(true));
  EXPECT_EQ(V("value.no || value.n > 1"), Value(true));
  EXPECT_EQ(V("value.no && value.n / value.zero > 1"), Value(false));  // right side never runs
  EXPECT_EQ(V("value.flag || value.n / value.zero > 1"), Value(true));
  EXPECT_EQ(V("value.missing && true"), Value(false));
  EXPECT_EQ(V("value.missing || true"), Value(true));
  EXPECT_EQ(V("!value.missing"), Value(true));
  EXPECT_EQ(V("!value.flag"), Value(false));
  EXPECT_EQ(E("value.s && true"), "column 1: expected a bool, got string (null counts as false)");
  EXPECT_EQ(E("true && value.n"), "column 9: expected a bool, got int (null counts as false)");
  EXPECT_EQ(E("!value.n"), "column 2: expected a bool, got int (null counts as false)");
}

TEST_F(EvalTest, CoalesceAndConditional) {
  EXPECT_EQ(V("value.missing ?? 'default'"), Value("default"));
  EXPECT_EQ(V("value.nul ?? value.missing ?? 3"), Value(3));
  EXPECT_EQ(V("value.s ?? 'default'"), Value("Hello"));
  EXPECT_EQ(V("value.no ?? true"), Value(false));  // false is not null
  EXPECT_EQ(V("null ?? null"), Value());
  EXPECT_EQ(V("value.missing ?? value.n + 1"), Value(8));
  EXPECT_EQ(V("value.flag ? 'yes' : 'no'"), Value("yes"));
  EXPECT_EQ(V("value.no ? 'yes' : 'no'"), Value("no"));
  EXPECT_EQ(V("value.missing ? 'yes' : 'no'"), Value("no"));
  EXPECT_EQ(V("value.flag ? value.n : value.n / value.zero"), Value(7));  // only the taken branch runs
  EXPECT_EQ(V("value.n > 5 ? value.n > 6 ? 'big' : 'mid' : 'small'"), Value("big"));
  EXPECT_EQ(E("value.s ? 1 : 2"), "column 1: expected a bool, got string (null counts as false)");
}

TEST_F(EvalTest, MissingFieldsAndBadAccessAreNull) {
  EXPECT_EQ(V("value.missing"), Value());
  EXPECT_EQ(V("value.missing.deeper.still"), Value());
  EXPECT_EQ(V("value.obj.a.b"), Value(1));
  EXPECT_EQ(V("value.obj.a.zz"), Value());
  EXPECT_EQ(V("value.s.length"), Value());  // field of a string: null, not an error
  EXPECT_EQ(V("value.n.x"), Value());
  EXPECT_EQ(V("value.arr.x"), Value());
  EXPECT_EQ(V("value.nul.x"), Value());
  EXPECT_EQ(V("value.arr[0]"), Value(10));
  EXPECT_EQ(V("value.arr[2]"), Value(30));
  EXPECT_EQ(V("value.arr[-1]"), Value(30));
  EXPECT_EQ(V("value.arr[-3]"), Value(10));
  EXPECT_EQ(V("value.arr[3]"), Value());
  EXPECT_EQ(V("value.arr[-4]"), Value());
  EXPECT_EQ(V("value.arr[value.i]"), Value(20));
  EXPECT_EQ(V("value.arr['x']"), Value());
  EXPECT_EQ(V("value.arr[value.missing]"), Value());
  EXPECT_EQ(V("value['s']"), Value("Hello"));
  EXPECT_EQ(V("value[value.k]"), Value("Hello"));
  EXPECT_EQ(V("value[0]"), Value());
  EXPECT_EQ(V("value.s[0]"), Value());
  EXPECT_EQ(V("[1, 2, 3][1]"), Value(2));
  EXPECT_EQ(V("{a: {b: 5}}.a.b"), Value(5));
  EXPECT_EQ(V("{a: 1}['a']"), Value(1));
  EXPECT_EQ(V("headers.trace"), Value());  // slot passed as nullptr: null
}

TEST_F(EvalTest, Literals) {
  Value o = V("{deal_id: key, command: 'EXECUTE_PAYOUT', 'x-y': value.n, nested: {a: [1, value.s]}}");
  ASSERT_TRUE(o.is_object());
  ASSERT_EQ(o.as_object().size(), 4u);
  EXPECT_EQ(o.as_object().fields()[0].first, "deal_id");  // insertion order kept
  EXPECT_EQ(o.as_object().fields()[3].first, "nested");
  EXPECT_EQ(o,
            J(R"({"deal_id": "k-1", "command": "EXECUTE_PAYOUT", "x-y": 7, "nested": {"a": [1, "Hello"]}})"));
  EXPECT_EQ(V("{a: value.missing}"), J(R"({"a": null})"));  // null fields are kept
  EXPECT_EQ(V("[value.n, value.s, [true, null]]"), J(R"([7, "Hello", [true, null]])"));
  EXPECT_EQ(V("[]"), J("[]"));
  EXPECT_EQ(V("{}"), J("{}"));
  EXPECT_EQ(V("'\\u00e9\\n'"), Value("\xc3\xa9\n"));
  EXPECT_EQ(V("1.5e2"), Value(150.0));
  EXPECT_EQ(V("-9223372036854775808"), Value(INT64_MIN));
  // A constant object is shared between evaluations; results must stay independent.
  auto c = CompiledExpr::Compile("{a: 1}", scope_, nullptr);
  ASSERT_TRUE(c.ok());
  const Value* none[7] = {};
  Value first = *c->Eval(none);
  first.MutableObject().Set("a", Value(2));
  EXPECT_EQ(*c->Eval(none), J(R"({"a": 1})"));
}

TEST_F(EvalTest, EvalBool) {
  EXPECT_EQ(*B("value.flag"), true);
  EXPECT_EQ(*B("value.no"), false);
  EXPECT_EQ(*B("value.missing"), false);
  EXPECT_EQ(*B("null"), false);
  EXPECT_EQ(*B("value.n > 5 && value.s == 'Hello'"), true);
  EXPECT_EQ(*B("value.flag ? value.n > 1 : false"), true);
  EXPECT_EQ(*B("coalesce(value.missing, true)"), true);
  auto r = B("value.s");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "filter must be bool, got string");
  r = B("value.n / value.zero > 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "column 9: division by zero");
  r = B("value.s == 'x' || value.missing > 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EvalTest, FirstErrorWins) {
  EXPECT_EQ(E("[value.n / value.zero, decimal(value.s)]"), "column 10: division by zero");
  EXPECT_EQ(E("{a: decimal(value.s), b: value.n / value.zero}"),
            "column 5: decimal: cannot parse 'Hello' as a decimal");
}

TEST_F(EvalTest, TypedScopeStillChecksAtRunTime) {
  // A schema says int, the record says otherwise (a producer bug): a record error, not a crash.
  Scope s;
  s.vars = {{"value", Type::ObjectOf({{"n", Type::Of(Type::Kind::kInt)}}, false)}};
  auto c = CompiledExpr::Compile("value.n + 1 > 2", s, nullptr);
  ASSERT_TRUE(c.ok());
  Value bad = J(R"({"n": "oops"})");
  const Value* slots[] = {&bad};
  auto r = c->EvalBool(slots);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "column 9: cannot add string and int ('+' adds numbers or joins two strings; use concat() or "
            "string() for "
            "other values)");
}

TEST_F(EvalTest, ConcurrentEvaluation) {
  auto c = CompiledExpr::Compile("lower(value.s) + string(value.n * 2)", scope_, nullptr);
  ASSERT_TRUE(c.ok());
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      const Value* slots[] = {&key_, &value_, nullptr, &timestamp_, nullptr, nullptr, nullptr};
      for (int i = 0; i < 2000; ++i) {
        auto r = c->Eval(slots);
        if (!r.ok() || *r != Value("hello14")) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(EvalTest, SlotProjectionListsFieldPathsRead) {
  auto c = CompiledExpr::Compile("value.s == 'x' && value.obj.a.b > 0 ? key : value.arr[0]", scope_, nullptr);
  ASSERT_TRUE(c.ok());
  const Projection& p = c->SlotProjection(1);
  EXPECT_FALSE(p.whole);
  ASSERT_NE(p.Field("obj"), nullptr);
  ASSERT_NE(p.Field("obj")->Field("a"), nullptr);
  EXPECT_TRUE(p.Field("obj")->Field("a")->Field("b")->whole);
  EXPECT_TRUE(p.Field("arr")->whole);  // indexed: the whole array
  EXPECT_EQ(p.Field("n"), nullptr);
  EXPECT_TRUE(c->SlotProjection(0).whole);  // key used as a whole
  EXPECT_TRUE(c->SlotProjection(3).reads_nothing());
  auto whole = CompiledExpr::Compile("json(value)", scope_, nullptr);
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(whole->SlotProjection(1).whole);
}

}  // namespace
}  // namespace topo::expr
