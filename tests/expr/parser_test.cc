#include "engine/expr/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/expr/lexer.h"

namespace topo::expr {
namespace {

// S-expression of a tree, so precedence is visible: "(+ 1 (* 2 3))".
std::string Sexp(const Ast& n) {
  auto op = [](Tok t) {
    std::string s = TokName(t);
    return s.substr(1, s.size() - 2);  // strip quotes
  };
  std::string out;
  switch (n.kind) {
    case AstKind::kLiteral: return n.literal.DebugString();
    case AstKind::kVar: return n.name;
    case AstKind::kField: return Sexp(*n.children[0]) + "." + n.name;
    case AstKind::kIndex: return Sexp(*n.children[0]) + "[" + Sexp(*n.children[1]) + "]";
    case AstKind::kUnary: return "(" + op(n.op) + " " + Sexp(*n.children[0]) + ")";
    case AstKind::kBinary:
    case AstKind::kAnd:
    case AstKind::kOr:
    case AstKind::kCoalesce:
      return "(" + op(n.op) + " " + Sexp(*n.children[0]) + " " + Sexp(*n.children[1]) + ")";
    case AstKind::kConditional:
      return "(? " + Sexp(*n.children[0]) + " " + Sexp(*n.children[1]) + " " + Sexp(*n.children[2]) + ")";
    case AstKind::kCall:
      out = n.name + "(";
      for (size_t i = 0; i < n.children.size(); ++i) out += (i ? " " : "") + Sexp(*n.children[i]);
      return out + ")";
    case AstKind::kArray:
      out = "[";
      for (size_t i = 0; i < n.children.size(); ++i) out += (i ? " " : "") + Sexp(*n.children[i]);
      return out + "]";
    case AstKind::kObject:
      out = "{";
      for (size_t i = 0; i < n.children.size(); ++i)
        out += (i ? " " : "") + n.keys[i] + ":" + Sexp(*n.children[i]);
      return out + "}";
  }
  return "?";
}

std::string P(std::string_view src) {
  std::vector<CompileError> errors;
  auto ast = Parse(src, &errors);
  if (!ast) return "ERROR " + std::to_string(errors.at(0).column) + ": " + errors.at(0).message;
  EXPECT_TRUE(errors.empty());
  return Sexp(*ast);
}

TEST(ParserTest, Precedence) {
  EXPECT_EQ(P("1 + 2 * 3"), "(+ 1 (* 2 3))");
  EXPECT_EQ(P("(1 + 2) * 3"), "(* (+ 1 2) 3)");
  EXPECT_EQ(P("1 - 2 - 3"), "(- (- 1 2) 3)");
  EXPECT_EQ(P("a / b % c"), "(% (/ a b) c)");
  EXPECT_EQ(P("-a * b"), "(* (- a) b)");
  EXPECT_EQ(P("!a && b"), "(&& (! a) b)");
  EXPECT_EQ(P("a || b && c"), "(|| a (&& b c))");
  EXPECT_EQ(P("a && b || c"), "(|| (&& a b) c)");
  EXPECT_EQ(P("a == 1 && b != 2"), "(&& (== a 1) (!= b 2))");
  EXPECT_EQ(P("a < b == c > d"), "(== (< a b) (> c d))");
  EXPECT_EQ(P("a + 1 < b * 2"), "(< (+ a 1) (* b 2))");
  EXPECT_EQ(P("'x' in tags && ok"), "(&& (in \"x\" tags) ok)");
  EXPECT_EQ(P("a ?? b || c"), "(?? a (|| b c))");
  EXPECT_EQ(P("a ?? b ?? c"), "(?? (?? a b) c)");
  EXPECT_EQ(P("a ? b : c ? d : e"), "(? a b (? c d e))");
  EXPECT_EQ(P("a ?? b ? c : d"), "(? (?? a b) c d)");
  EXPECT_EQ(P("a ? b ? c : d : e"), "(? a (? b c d) e)");
  EXPECT_EQ(P("value.a.b[0]['c']"), "value.a.b[0][\"c\"]");
  EXPECT_EQ(P("-value.amount"), "(- value.amount)");
  EXPECT_EQ(P("!!a"), "(! (! a))");
  EXPECT_EQ(P("a<=b"), "(<= a b)");
  EXPECT_EQ(P("a>=b"), "(>= a b)");
}

TEST(ParserTest, Literals) {
  EXPECT_EQ(P("null"), "null");
  EXPECT_EQ(P("true"), "true");
  EXPECT_EQ(P("false"), "false");
  EXPECT_EQ(P("42"), "42");
  EXPECT_EQ(P("1.5"), "1.5");
  EXPECT_EQ(P("2e3"), "2000");
  EXPECT_EQ(P("1.25E-2"), "0.0125");
  EXPECT_EQ(P("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(P("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(P("'it\\'s'"), "\"it's\"");
  EXPECT_EQ(P("\"say \\\"hi\\\"\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(P("'a\\nb\\tc\\\\'"), "\"a\\nb\\tc\\\\\"");
  EXPECT_EQ(P("'\\u00e9'"), "\"\xc3\xa9\"");
  EXPECT_EQ(P("'\\ud83d\\ude00'"), "\"\xf0\x9f\x98\x80\"");
  EXPECT_EQ(P("'caf\xc3\xa9'"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(P("[1, 'a', [true]]"), "[1 \"a\" [true]]");
  EXPECT_EQ(P("[1, 2,]"), "[1 2]");
  EXPECT_EQ(P("[]"), "[]");
  EXPECT_EQ(P("{}"), "{}");
  EXPECT_EQ(P("{deal_id: value.deal_id, 'x-y': 1, \"z\": 2, command: 'EXECUTE_PAYOUT',}"),
            "{deal_id:value.deal_id x-y:1 z:2 command:\"EXECUTE_PAYOUT\"}");
  EXPECT_EQ(P("{in: 1, null: 2}"), "{in:1 null:2}");
  EXPECT_EQ(P("value.in + value.null"), "(+ value.in value.null)");
  EXPECT_EQ(P("concat()"), "concat()");
  EXPECT_EQ(P("f(1, g(2), [3])"), "f(1 g(2) [3])");
  EXPECT_EQ(P("  \n value \t"), "value");
}

TEST(ParserTest, SyntaxErrorsPointAtTheColumn) {
  EXPECT_EQ(P(""), "ERROR 1: empty expression");
  EXPECT_EQ(P("value.a +"), "ERROR 10: unexpected end of expression at the start of an operand");
  EXPECT_EQ(P("value.a = 1"), "ERROR 9: unexpected '=' (use '==' to compare)");
  EXPECT_EQ(P("a & b"), "ERROR 3: unexpected '&' (use '&&')");
  EXPECT_EQ(P("a | b"), "ERROR 3: unexpected '|' (use '||')");
  EXPECT_EQ(P("'abc"), "ERROR 1: unterminated string");
  EXPECT_EQ(P("x == 'a\\qb'"), "ERROR 8: unknown escape '\\q' (use \\n \\t \\\\ \\' \\\" \\uXXXX)");
  EXPECT_EQ(P("'\\u12'"), "ERROR 2: bad \\u escape: needs 4 hex digits");
  EXPECT_EQ(P("'\\ud800'"), "ERROR 2: bad \\u escape: unpaired surrogate");
  EXPECT_EQ(P("lower(x"),
            "ERROR 8: unexpected end of expression in the arguments of lower() (expected ',' or ')')");
  EXPECT_EQ(P("(a + b"), "ERROR 7: expected ')' to close '(', found end of expression");
  EXPECT_EQ(P("a[0"), "ERROR 4: expected ']' to close '[', found end of expression");
  EXPECT_EQ(P("1 2"), "ERROR 3: unexpected number 2 after the expression");
  EXPECT_EQ(P("a b"), "ERROR 3: unexpected identifier 'b' after the expression");
  EXPECT_EQ(P("a.b(1)"), "ERROR 4: only named functions can be called, like lower(x)");
  EXPECT_EQ(P("a."), "ERROR 3: expected a field name after '.', found end of expression");
  EXPECT_EQ(P("a.1"), "ERROR 3: expected a field name after '.', found number 1");
  EXPECT_EQ(P("{a: 1, a: 2}"), "ERROR 8: duplicate key 'a' in object literal");
  EXPECT_EQ(P("{a 1}"), "ERROR 4: expected ':' after key 'a', found number 1");
  EXPECT_EQ(P("{1: 2}"),
            "ERROR 2: expected a key (identifier or quoted string) in object literal, found number 1");
  EXPECT_EQ(P("[1 2]"), "ERROR 4: unexpected number 2 in array literal (expected ',' or ']')");
  EXPECT_EQ(P("a ? b"), "ERROR 6: expected ':' in 'cond ? a : b', found end of expression");
  EXPECT_EQ(P("a # b"), "ERROR 3: unexpected character '#'");
  EXPECT_EQ(P("1.5.x"), "1.5.x");  // parses; field access on a number is null
  EXPECT_EQ(P("12abc"), "ERROR 3: malformed number: unexpected 'a'");
  EXPECT_EQ(P("1e"), "ERROR 2: malformed number: exponent needs digits");
  EXPECT_EQ(P("99999999999999999999"), "ERROR 1: integer literal out of int64 range: 99999999999999999999");
  EXPECT_EQ(P("a +* b"), "ERROR 4: unexpected '*' at the start of an operand");
  EXPECT_EQ(P(")"), "ERROR 1: unexpected ')' at the start of an operand");
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(5000, '(');
  deep += "1";
  deep += std::string(5000, ')');
  EXPECT_EQ(P(deep).substr(0, 6), "ERROR ");
  EXPECT_NE(P(deep).find("nested too deeply"), std::string::npos);

  std::string chain = "1";
  for (int i = 0; i < 20000; ++i) chain += " + 1";
  EXPECT_NE(P(chain).find("nested too deeply"), std::string::npos);

  std::string nots(5000, '!');
  EXPECT_NE(P(nots + "a").find("nested too deeply"), std::string::npos);

  std::string fields = "a";
  for (int i = 0; i < 5000; ++i) fields += ".b";
  EXPECT_NE(P(fields).find("nested too deeply"), std::string::npos);

  // Moderate nesting is fine.
  std::string ok = "1";
  for (int i = 0; i < 200; ++i) ok += " + 1";
  EXPECT_EQ(P(ok).substr(0, 1), "(");
}

TEST(LexerTest, TokensCarryOffsets) {
  auto toks = Lex("a.b >= 'x'");
  ASSERT_EQ(toks.size(), 6u);
  EXPECT_EQ(toks[0].kind, Tok::kIdent);
  EXPECT_EQ(toks[1].kind, Tok::kDot);
  EXPECT_EQ(toks[1].offset, 1);
  EXPECT_EQ(toks[3].kind, Tok::kGe);
  EXPECT_EQ(toks[3].offset, 4);
  EXPECT_EQ(toks[3].length, 2);
  EXPECT_EQ(toks[4].kind, Tok::kString);
  EXPECT_EQ(toks[4].offset, 7);
  EXPECT_EQ(toks[4].text, "x");
  EXPECT_EQ(toks[5].kind, Tok::kEnd);
}

}  // namespace
}  // namespace topo::expr
