// Fuzz-style robustness: random, truncated and mutated expressions must compile
// or fail with an error, and whatever compiles must evaluate or fail with a
// status; never crash, hang or read out of bounds.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/expr/expr.h"
#include "engine/serde/json_codec.h"

namespace topo::expr {
namespace {

const char* const kSeeds[] = {
    "value.to_status == 'FUNDED' && value.amount > 100",
    "{deal_id: value.deal_id, command: 'EXECUTE_PAYOUT', amount: decimal(value.payload.amount)}",
    "round(decimal(value.amount) * decimal('0.01'), 2, 'half_up')",
    "lower(value.event_type) == 'dealfunded' ? concat(key, '-', string(partition)) : null",
    "value.items[0].price ?? value.items[-1]['price'] ?? 0",
    "'vip' in value.tags || !(value.n % 2 == 0) && value.d / 2.5 >= -1e3",
    "format_time(truncate_time(parse_time('2025-01-15T10:30:00Z') + ms('1h30m'), 'hour'))",
    "[1, 2.5, \"x\\n\\u00e9\", true, null, {a: [], 'b-c': {}}]",
    "partition_of(value.deal_id, 12) == hash(key) % 12",
    "coalesce(value.missing, if(value.flag, upper(trim(value.s)), split(value.s, ',')[1]))",
    "format('{} {}', substr(value.s, 1, 2), len(keys(value)))",
    "parse_json(json(value)).n + int('7') - abs(-3) * min(1, 2) / max(3, 4)",
};

const char* const kTokens[] = {
    "value",      "key",      "headers",
    "timestamp",  ".",        "[",
    "]",          "(",        ")",
    "{",          "}",        ",",
    ":",          "?",        "??",
    "!",          "+",        "-",
    "*",          "/",        "%",
    "<",          "<=",       ">",
    ">=",         "==",       "!=",
    "&&",         "||",       "in",
    "null",       "true",     "false",
    "0",          "1",        "-1",
    "2.5",        "1e308",    "9223372036854775807",
    "'s'",        "\"q\"",    "'\\u00e9'",
    "'\\",        "'",        "\"",
    "lower",      "decimal",  "round",
    "concat",     "format",   "'{}'",
    "parse_time", "ms",       "uuid",
    "now",        "coalesce", "if",
    "amount",     "n",        "s",
    "arr",        "obj",      " ",
    "\t",         "\n",       "=",
    "&",          "|",        "#",
    "@",          "\\",       "\xc3\xa9",
    "\xff",
};

class FuzzTest : public ::testing::Test {
 protected:
  FuzzTest() {
    for (const char* n : {"key", "value", "headers", "timestamp", "topic", "partition", "offset"})
      scope_.vars.push_back({n, Type::Any()});
    typed_ = scope_;
    typed_.vars[1].type = Type::ObjectOf({{"amount", Type::Of(Type::Kind::kDecimal)},
                                          {"s", Type::Of(Type::Kind::kString)},
                                          {"arr", Type::ArrayOf(Type::Of(Type::Kind::kInt))}},
                                         false);
    auto v = JsonCodec().Decode(
        R"({"to_status": "FUNDED", "amount": 250, "deal_id": "d-42", "event_type": "DealFunded",
        "payload": {"amount": "16.49"}, "items": [{"price": 3}], "tags": ["vip"], "n": 3, "d": 1.5,
        "flag": true, "s": "a,b,c", "arr": [1, 2, 3], "obj": {"x": 1}})");
    value_ = *v;
    key_ = Value("d-42");
    ts_ = Value(int64_t{1736937000000});
  }

  // Compiles under both scopes; evaluates whatever compiles.
  void Exercise(const std::string& src) {
    for (const Scope* scope : {&scope_, &typed_}) {
      std::vector<CompileError> errors;
      auto c = CompiledExpr::Compile(src, *scope, &errors);
      if (!c.ok()) {
        ASSERT_FALSE(errors.empty()) << src;
        for (const auto& e : errors) {
          ASSERT_GE(e.column, 0) << src;
          ASSERT_LE(e.column, static_cast<int>(src.size()) + 1) << src << ": " << e.message;
          (void)e.Render(src);
        }
        continue;
      }
      ++compiled_;
      const Value* slots[] = {&key_, &value_, nullptr, &ts_, nullptr, nullptr, nullptr};
      auto r = c->Eval(slots);
      if (!r.ok()) {
        ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument) << src;
      }
      auto b = c->EvalBool(slots);
      if (!b.ok()) {
        ASSERT_EQ(b.status().code(), StatusCode::kInvalidArgument) << src;
      }
      const Value* nulls[7] = {};
      (void)c->Eval(nulls);
    }
  }

  Scope scope_, typed_;
  Value key_, value_, ts_;
  int compiled_ = 0;
};

TEST_F(FuzzTest, SeedsCompileAndRun) {
  for (const char* s : kSeeds) {
    std::vector<CompileError> errors;
    auto c = CompiledExpr::Compile(s, scope_, &errors);
    ASSERT_TRUE(c.ok()) << s << ": " << errors.at(0).Render(s);
    Exercise(s);
  }
}

TEST_F(FuzzTest, EveryPrefixAndSuffixOfTheSeeds) {
  for (const char* s : kSeeds) {
    std::string src = s;
    for (size_t i = 0; i <= src.size(); ++i) {
      Exercise(src.substr(0, i));
      Exercise(src.substr(i));
    }
  }
}

TEST_F(FuzzTest, RandomTokenSoup) {
  std::mt19937 rng(12345);
  const size_t n_tokens = sizeof(kTokens) / sizeof(kTokens[0]);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string src;
    int len = 1 + static_cast<int>(rng() % 16);
    for (int i = 0; i < len; ++i) {
      src += kTokens[rng() % n_tokens];
      if (rng() % 3 == 0) src += ' ';
    }
    Exercise(src);
  }
  EXPECT_GT(compiled_, 0);
}

TEST_F(FuzzTest, MutatedSeeds) {
  std::mt19937 rng(777);
  const size_t n_seeds = sizeof(kSeeds) / sizeof(kSeeds[0]);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string src = kSeeds[rng() % n_seeds];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !src.empty(); ++e) {
      size_t at = rng() % src.size();
      switch (rng() % 4) {
        case 0: src.erase(at, 1 + rng() % 3); break;
        case 1: src.insert(at, 1, static_cast<char>(rng() % 256)); break;
        case 2: src[at] = static_cast<char>(32 + rng() % 95); break;
        case 3: src.insert(at, kTokens[rng() % (sizeof(kTokens) / sizeof(kTokens[0]))]); break;
      }
    }
    Exercise(src);
  }
}

TEST_F(FuzzTest, DeepButLegalExpressionsEvaluate) {
  // Just under the nesting limit: parse, check, build, evaluate and destroy all recurse.
  std::string sum = "value.n";
  for (int i = 0; i < 900; ++i) sum += " + value.n";
  std::string fields = "value.obj";
  for (int i = 0; i < 900; ++i) fields += ".x";
  std::string parens(120, '(');
  parens += "value.n" + std::string(120, ')');
  std::string ternary = "value.n";
  for (int i = 0; i < 100; ++i) ternary = "value.flag ? " + ternary + " : 0";
  for (const std::string& src : {sum, fields, parens, ternary}) {
    std::vector<CompileError> errors;
    auto c = CompiledExpr::Compile(src, scope_, &errors);
    ASSERT_TRUE(c.ok()) << src.substr(0, 40) << ": " << errors.at(0).message;
    const Value* slots[] = {&key_, &value_, nullptr, &ts_, nullptr, nullptr, nullptr};
    ASSERT_TRUE(c->Eval(slots).ok());
  }
  const Value* slots[] = {&key_, &value_, nullptr, &ts_, nullptr, nullptr, nullptr};
  EXPECT_EQ(*CompiledExpr::Compile(sum, scope_, nullptr)->Eval(slots), Value(int64_t{3 * 901}));
}

TEST_F(FuzzTest, RandomBytes) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string src(rng() % 40, '\0');
    for (char& c : src) c = static_cast<char>(rng() % 256);
    Exercise(src);
  }
}

}  // namespace
}  // namespace topo::expr
