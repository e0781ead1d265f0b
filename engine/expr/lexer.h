#pragma once
// Lexer: splits an expression source into tokens.
//
// Every token carries its byte offset into the source (columns in messages are
// offset + 1). Literal tokens carry their decoded value: string escapes are
// resolved here, numbers are parsed here. A malformed token (bad character,
// unterminated string, bad escape, out-of-range integer) becomes a kError token
// whose `text` is the message and whose offset points at the culprit; the lexer
// stops after it.
//
// Thread-safety: a function of its input; no shared state.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace topo::expr {

enum class Tok {
  kEnd,
  kError,
  kIdent,
  kInt,
  kDouble,
  kString,
  kNull,
  kTrue,
  kFalse,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kComma,
  kColon,
  kDot,
  kQuestion,
  kQuestionQuestion,
  kBang,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kLt,
  kLe,
  kGt,
  kGe,
  kEqEq,
  kBangEq,
  kAndAnd,
  kOrOr,
};

// The token as written in messages: "'&&'", "identifier", "end of expression".
std::string TokName(Tok t);

struct Token {
  Tok kind = Tok::kEnd;
  int offset = 0;  // byte offset of the token's first character
  int length = 0;  // bytes of source the token spans
  // kIdent: the name; kString: the decoded text; kInt: the digits as written
  // (so the parser can accept -9223372036854775808); kError: the message.
  std::string text;
  int64_t int_value = 0;  // kInt, when it fits in int64 (else int_overflow)
  bool int_overflow = false;
  double double_value = 0;  // kDouble
};

// Tokenizes all of `source`. The last token is kEnd or kError.
std::vector<Token> Lex(std::string_view source);

}  // namespace topo::expr
