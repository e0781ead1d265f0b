#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/expr/expr.h"

namespace topo::expr {
namespace {

using K = Type::Kind;

Type PaymentEvent() {
  Type t = Type::ObjectOf(
      {
          {"amount", Type::Of(K::kDecimal)},
          {"currency", Type::Of(K::kString)},
          {"status", Type::Of(K::kString)},
          {"attempts", Type::Of(K::kInt)},
          {"fx_rate", Type::Of(K::kDouble)},
          {"paid", Type::Of(K::kBool)},
          {"tags", Type::ArrayOf(Type::Of(K::kString))},
          {"payer", Type::ObjectOf({{"id", Type::Of(K::kString)}, {"country", Type::Of(K::kString)}}, false)},
          {"extra", Type::ObjectOf({{"note", Type::Of(K::kString)}}, true)},
      },
      /*open=*/false);
  t.name = "checkout.PaymentEvent";
  return t;
}

Scope TypedScope() {
  Scope s;
  s.vars = {{"key", Type::Of(K::kString)},         {"value", PaymentEvent()},
            {"headers", Type::ObjectOf({}, true)}, {"timestamp", Type::Of(K::kInt)},
            {"topic", Type::Of(K::kString)},       {"partition", Type::Of(K::kInt)},
            {"offset", Type::Of(K::kInt)}};
  return s;
}

std::vector<CompileError> Errors(std::string_view src, const Scope& scope = TypedScope()) {
  std::vector<CompileError> errors;
  auto r = CompiledExpr::Compile(src, scope, &errors);
  EXPECT_EQ(r.ok(), errors.empty()) << src;
  return errors;
}

// "7: message" of the only error.
std::string OneError(std::string_view src, const Scope& scope = TypedScope()) {
  auto errors = Errors(src, scope);
  if (errors.size() != 1) {
    std::string all = std::to_string(errors.size()) + " errors:";
    for (const auto& e : errors) all += " [" + std::to_string(e.column) + ": " + e.message + "]";
    return all;
  }
  return std::to_string(errors[0].column) + ": " + errors[0].message;
}

Type ResultType(std::string_view src, const Scope& scope = TypedScope()) {
  std::vector<CompileError> errors;
  auto r = CompiledExpr::Compile(src, scope, &errors);
  EXPECT_TRUE(r.ok()) << src << ": " << (errors.empty() ? "" : errors[0].message);
  return r.ok() ? r->result_type() : Type::Any();
}

TEST(CheckerTest, WellTypedExpressionsCompile) {
  for (const char* src : {
           "value.status == 'FUNDED' && value.amount > decimal('0')",
           "value.amount > 100",
           "value.amount * 2 + decimal('0.5')",
           "value.fx_rate * 2.5 > 1",
           "value.amount > value.fx_rate",  // comparing decimal with double is fine
           "value.currency + '-' + key",
           "value.payer.country == 'DE'",
           "value.extra.anything == 1",  // open object: unknown fields are any
           "value.tags[0] == 'vip'",
           "'vip' in value.tags",
           "value['amount'] > 1",
           "value.payer['id'] ?? 'none'",
           "headers.trace_id ?? ''",
           "{deal_id: value.payer.id, command: 'EXECUTE_PAYOUT', amount: value.amount}",
           "round(value.amount * decimal('0.01'), 2, 'half_up')",
           "value.paid ? 1 : 0",
           "timestamp + ms('5m')",
           "value.status == null",
       }) {
    EXPECT_TRUE(Errors(src).empty()) << src << ": " << OneError(src);
  }
}

TEST(CheckerTest, UnknownFieldOfClosedObjectSuggestsTheNearest) {
  EXPECT_EQ(OneError("value.amout > 1"),
            "7: no field 'amout' in checkout.PaymentEvent (did you mean 'amount'?)");
  EXPECT_EQ(OneError("value['amout'] > 1"),
            "7: no field 'amout' in checkout.PaymentEvent (did you mean 'amount'?)");
  EXPECT_EQ(OneError("value.payer.cuontry"),
            "13: no field 'cuontry' in value.payer (did you mean 'country'?)");
  EXPECT_EQ(OneError("value.payer.zzzzzzz"), "13: no field 'zzzzzzz' in value.payer (fields: country, id)");
  EXPECT_EQ(OneError("{a: 1}.b"), "8: no field 'b' in {a: 1} (did you mean 'a'?)");
}

TEST(CheckerTest, StringVersusNumberIsACompileError) {
  EXPECT_EQ(OneError("value.currency == 1"),
            "16: cannot compare string with int: they are never equal (convert one side: decimal(x), int(x), "
            "string(x))");
  EXPECT_EQ(
      OneError("value.amount != '100'"),
      "14: cannot compare decimal with string: they are never equal (convert one side: decimal(x), int(x), "
      "string(x))");
  EXPECT_EQ(OneError("value.currency < 5"),
            "16: cannot compare string with int using '<' (convert one side: decimal(x), int(x), string(x))");
  EXPECT_EQ(OneError("value.paid > 1"),
            "12: cannot compare bool with int using '>' (it orders numbers or strings)");
  EXPECT_EQ(OneError("value.paid == 'yes'"), "12: cannot compare bool with string: they are never equal");
}

TEST(CheckerTest, DecimalWithDoubleIsACompileError) {
  EXPECT_EQ(OneError("value.amount * 1.1"), "14: decimal arithmetic with a double: convert with decimal(x)");
  EXPECT_EQ(OneError("value.fx_rate + value.amount"),
            "15: decimal arithmetic with a double: convert with decimal(x)");
  EXPECT_TRUE(Errors("value.amount * decimal(1.1)").empty());
  EXPECT_TRUE(Errors("value.amount * decimal(value.fx_rate)").empty());
}

TEST(CheckerTest, OperandTypes) {
  EXPECT_EQ(
      OneError("value.currency + 1"),
      "16: cannot add string and int ('+' joins two strings; use concat() or string() for other values)");
  EXPECT_EQ(OneError("value.currency * 2"), "16: cannot apply '*' to string and int (it needs numbers)");
  EXPECT_EQ(OneError("value.paid - 1"), "12: cannot apply '-' to bool and int (it needs numbers)");
  EXPECT_EQ(OneError("-value.currency"), "1: '-' needs a number, got string");
  EXPECT_EQ(OneError("!value.attempts"), "1: '!' needs a bool, got int");
  EXPECT_EQ(OneError("value.attempts && true"), "1: '&&' needs bool operands, got int");
  EXPECT_EQ(OneError("true || value.currency"), "9: '||' needs bool operands, got string");
  EXPECT_EQ(OneError("value.currency ? 1 : 2"), "1: the condition of '?:' must be bool, got string");
  EXPECT_EQ(OneError("1 in value.attempts"),
            "3: 'in' needs an array, object or string on the right, got int");
  EXPECT_EQ(OneError("1 in value.currency"), "3: 'in' on a string needs a string on the left, got int");
  EXPECT_EQ(OneError("value.tags[true]"), "12: array index must be an int, got bool");
}

TEST(CheckerTest, UnknownNamesSuggest) {
  EXPECT_EQ(OneError("vaule.amount"), "1: unknown variable 'vaule' (did you mean 'value'?)");
  EXPECT_EQ(OneError("xyzzy"),
            "1: unknown variable 'xyzzy'; variables here: key, value, headers, timestamp, topic, partition, "
            "offset");
  EXPECT_EQ(OneError("lower"), "1: unknown variable 'lower' ('lower' is a function: call it as lower(...))");
  EXPECT_EQ(OneError("lowr(value.currency) == 'eur'"), "1: unknown function 'lowr' (did you mean 'lower'?)");
  EXPECT_EQ(OneError("key == upperr(key)"), "8: unknown function 'upperr' (did you mean 'upper'?)");
  EXPECT_EQ(OneError("value(1)"), "1: unknown function 'value' ('value' is a variable, not a function)");
}

TEST(CheckerTest, FunctionArityAndArgumentKinds) {
  EXPECT_EQ(OneError("lower()"), "1: lower() takes 1 argument, got 0");
  EXPECT_EQ(OneError("lower(key, key)"), "1: lower() takes 1 argument, got 2");
  EXPECT_EQ(OneError("substr(key)"), "1: substr() takes 2 to 3 arguments, got 1");
  EXPECT_EQ(OneError("coalesce()"), "1: coalesce() takes at least 1 argument, got 0");
  EXPECT_EQ(OneError("lower(value.amount)"), "7: lower: argument 1 must be string, got decimal");
  EXPECT_EQ(OneError("decimal(value.paid)"),
            "9: decimal: argument 1 must be int, double, decimal or string, got bool");
  EXPECT_EQ(
      OneError("round(value.amount, 2, 'half_upp')"),
      "24: round: unknown rounding mode 'half_upp' (did you mean 'half_up'?); modes: half_even, half_up, "
      "half_down, up, down, ceiling, floor");
  EXPECT_EQ(OneError("round(value.amount, -1)"), "21: round: scale must be 0..36, got -1");
  EXPECT_EQ(OneError("truncate_time(timestamp, 'hours')"),
            "26: truncate_time: unknown unit 'hours' (did you mean 'hour'?); units: second, minute, hour, "
            "day, month, "
            "year");
  EXPECT_EQ(OneError("format('{} and {}', key)"),
            "8: format: the format string has 2 placeholder(s) but 1 argument(s) follow it");
  EXPECT_EQ(OneError("format('{oops}', key)"),
            "8: format: format string has a '{' that is not '{}' (write '{{' for a literal brace)");
  EXPECT_EQ(OneError("split(key, '')"), "12: split: separator must not be empty");
  EXPECT_EQ(OneError("partition_of(key, 0)"), "19: partition_of: partition count must be positive, got 0");
  EXPECT_TRUE(Errors("lower(null)").empty());  // null in, null out
}

TEST(CheckerTest, ConstantSubexpressionsThatAlwaysFailAreCompileErrors) {
  EXPECT_EQ(OneError("value.amount * decimal('abc')"), "16: decimal: cannot parse 'abc' as a decimal");
  EXPECT_EQ(OneError("timestamp + 1 / 0"), "15: division by zero");
  EXPECT_EQ(OneError("ms('5 minutes')"),
            "1: ms: bad duration '5 minutes' (expected a unit; use e.g. 250ms, 1s, 5m, 2h, 1d, 1h30m)");
  EXPECT_EQ(OneError("parse_time('2025-13-01')"),
            "1: parse_time: not an ISO-8601 time (month out of range): '2025-13-01'");
  EXPECT_EQ(OneError("9223372036854775807 + 1"),
            "21: integer overflow: 9223372036854775807 + 1 does not fit in int64 (use decimal(x) for large "
            "values)");
}

TEST(CheckerTest, ReportsAllErrorsInColumnOrder) {
  auto errors = Errors("lowr(value.amout) == vaule.x && value.currency == 1");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].column, 1);
  EXPECT_EQ(errors[0].message, "unknown function 'lowr' (did you mean 'lower'?)");
  EXPECT_EQ(errors[1].column, 12);
  EXPECT_EQ(errors[1].message, "no field 'amout' in checkout.PaymentEvent (did you mean 'amount'?)");
  EXPECT_EQ(errors[2].column, 22);
  EXPECT_EQ(errors[2].message, "unknown variable 'vaule' (did you mean 'value'?)");
  EXPECT_EQ(errors[3].column, 48);

  std::vector<CompileError> collected;
  auto r = CompiledExpr::Compile("vaule + lowr(1)", TypedScope(), &collected);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "column 1: unknown variable 'vaule' (did you mean 'value'?) (and 1 more error)");
  EXPECT_EQ(collected.size(), 2u);
  // A null errors pointer is allowed.
  EXPECT_FALSE(CompiledExpr::Compile("vaule", TypedScope(), nullptr).ok());
}

TEST(CheckerTest, RenderShowsSourceAndCaret) {
  auto errors = Errors("lowr(value.currency) == 'eur'");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].Render("lowr(value.currency) == 'eur'"),
            "column 1: unknown function 'lowr' (did you mean 'lower'?)\n"
            "  lowr(value.currency) == 'eur'\n"
            "  ^");
  CompileError e{12, "unknown function 'lowr' (did you mean 'lower'?)"};
  EXPECT_EQ(e.Render("value.a && lowr(x)"),
            "column 12: unknown function 'lowr' (did you mean 'lower'?)\n"
            "  value.a && lowr(x)\n"
            "             ^");
  CompileError multi{13, "boom"};
  EXPECT_EQ(multi.Render("value.a &&\n\tlowr(x)"),
            "line 2, column 2: boom\n"
            "  \tlowr(x)\n"
            "  \t^");
  CompileError none{0, "no column"};
  EXPECT_EQ(none.Render("x"), "no column");
  CompileError at_end{4, "unexpected end"};
  EXPECT_EQ(at_end.Render("a +"), "column 4: unexpected end\n  a +\n     ^");
}

TEST(CheckerTest, ResultTypes) {
  EXPECT_EQ(ResultType("value.amount > 1").kind, K::kBool);
  EXPECT_EQ(ResultType("value.amount + 1").kind, K::kDecimal);
  EXPECT_EQ(ResultType("value.attempts + 1").kind, K::kInt);
  EXPECT_EQ(ResultType("value.attempts / 2.0").kind, K::kDouble);
  EXPECT_EQ(ResultType("value.currency + key").kind, K::kString);
  EXPECT_EQ(ResultType("value.payer").ToString(), "object{country: string, id: string}");
  EXPECT_EQ(ResultType("value").ToString(), "checkout.PaymentEvent");
  EXPECT_EQ(ResultType("value.tags").ToString(), "array<string>");
  EXPECT_EQ(ResultType("value.tags[0]").kind, K::kString);
  EXPECT_EQ(ResultType("value.extra.zzz").kind, K::kAny);
  EXPECT_EQ(ResultType("{id: key, n: 1}").ToString(), "object{id: string, n: int}");
  EXPECT_EQ(ResultType("[1, 2]").ToString(), "array<int>");
  EXPECT_EQ(ResultType("[1, 'a']").ToString(), "array");
  EXPECT_EQ(ResultType("value.currency ?? 'x'").kind, K::kString);
  EXPECT_EQ(ResultType("value.paid ? 'a' : null").kind, K::kString);
  EXPECT_EQ(ResultType("round(value.amount, 2)").kind, K::kDecimal);
  EXPECT_EQ(ResultType("split(key, ',')").ToString(), "array<string>");
  EXPECT_EQ(ResultType("concat(key, 1)").kind, K::kString);
  EXPECT_EQ(ResultType("parse_json(key)").kind, K::kAny);
  EXPECT_EQ(ResultType("coalesce(value.currency, 'x')").kind, K::kString);
  EXPECT_EQ(ResultType("if(value.paid, 1, 2)").kind, K::kInt);
}

TEST(CheckerTest, UsesSlot) {
  auto r = CompiledExpr::Compile("value.amount > 1 && topic == 'x'", TypedScope(), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->UsesSlot(0));
  EXPECT_TRUE(r->UsesSlot(1));
  EXPECT_FALSE(r->UsesSlot(2));
  EXPECT_TRUE(r->UsesSlot(4));
  EXPECT_FALSE(r->UsesSlot(99));
  EXPECT_FALSE(r->UsesSlot(-1));
  EXPECT_EQ(r->source(), "value.amount > 1 && topic == 'x'");
}

TEST(CheckerTest, TypeToString) {
  EXPECT_EQ(Type::Any().ToString(), "any");
  EXPECT_EQ(Type::Of(K::kDecimal).ToString(), "decimal");
  EXPECT_EQ(Type::ArrayOf(Type::Any()).ToString(), "array");
  EXPECT_EQ(Type::ObjectOf({}, true).ToString(), "object");
  EXPECT_EQ(Type::ObjectOf({}, false).ToString(), "object{}");
  EXPECT_EQ(Type::ObjectOf({{"deal_id", Type::Of(K::kString)}}, true).ToString(),
            "object{deal_id: string, ...}");
  EXPECT_EQ(PaymentEvent().ToString(), "checkout.PaymentEvent");
}

}  // namespace
}  // namespace topo::expr
