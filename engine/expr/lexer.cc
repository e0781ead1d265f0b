#include "engine/expr/lexer.h"

#include <charconv>
#include <cstdio>
#include <system_error>

namespace topo::expr {

std::string TokName(Tok t) {
  switch (t) {
    case Tok::kEnd: return "end of expression";
    case Tok::kError: return "invalid token";
    case Tok::kIdent: return "identifier";
    case Tok::kInt: return "integer";
    case Tok::kDouble: return "number";
    case Tok::kString: return "string";
    case Tok::kNull: return "'null'";
    case Tok::kTrue: return "'true'";
    case Tok::kFalse: return "'false'";
    case Tok::kIn: return "'in'";
    case Tok::kLParen: return "'('";
    case Tok::kRParen: return "')'";
    case Tok::kLBracket: return "'['";
    case Tok::kRBracket: return "']'";
    case Tok::kLBrace: return "'{'";
    case Tok::kRBrace: return "'}'";
    case Tok::kComma: return "','";
    case Tok::kColon: return "':'";
    case Tok::kDot: return "'.'";
    case Tok::kQuestion: return "'?'";
    case Tok::kQuestionQuestion:
      return "'?"
             "?'";  // split: '??' + ' would be a trigraph
    case Tok::kBang: return "'!'";
    case Tok::kPlus: return "'+'";
    case Tok::kMinus: return "'-'";
    case Tok::kStar: return "'*'";
    case Tok::kSlash: return "'/'";
    case Tok::kPercent: return "'%'";
    case Tok::kLt: return "'<'";
    case Tok::kLe: return "'<='";
    case Tok::kGt: return "'>'";
    case Tok::kGe: return "'>='";
    case Tok::kEqEq: return "'=='";
    case Tok::kBangEq: return "'!='";
    case Tok::kAndAnd: return "'&&'";
    case Tok::kOrOr: return "'||'";
  }
  return "?";
}

namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  std::vector<Token> Run() {
    std::vector<Token> out;
    while (true) {
      Token t = Next();
      bool stop = t.kind == Tok::kEnd || t.kind == Tok::kError;
      out.push_back(std::move(t));
      if (stop) break;
    }
    return out;
  }

 private:
  char Peek(size_t k = 0) const { return pos_ + k < src_.size() ? src_[pos_ + k] : '\0'; }

  Token Make(Tok kind, size_t start) {
    Token t;
    t.kind = kind;
    t.offset = static_cast<int>(start);
    t.length = static_cast<int>(pos_ - start);
    return t;
  }

  Token Error(size_t at, std::string msg) {
    Token t;
    t.kind = Tok::kError;
    t.offset = static_cast<int>(at);
    t.length = 1;
    t.text = std::move(msg);
    return t;
  }

  Token Next() {
    while (pos_ < src_.size() &&
           (src_[pos_] == ' ' || src_[pos_] == '\t' || src_[pos_] == '\n' || src_[pos_] == '\r'))
      ++pos_;
    size_t start = pos_;
    if (pos_ >= src_.size()) return Make(Tok::kEnd, start);
    char c = src_[pos_];
    if (IsIdentStart(c)) {
      while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
      std::string_view word = src_.substr(start, pos_ - start);
      Tok kind = Tok::kIdent;
      if (word == "null") kind = Tok::kNull;
      if (word == "true") kind = Tok::kTrue;
      if (word == "false") kind = Tok::kFalse;
      if (word == "in") kind = Tok::kIn;
      Token t = Make(kind, start);
      t.text = std::string(word);
      return t;
    }
    if (IsDigit(c)) return Number(start);
    if (c == '\'' || c == '"') return String(start, c);
    ++pos_;
    auto two = [&](char next, Tok yes, Tok no) {
      if (Peek() == next) {
        ++pos_;
        return Make(yes, start);
      }
      return Make(no, start);
    };
    switch (c) {
      case '(': return Make(Tok::kLParen, start);
      case ')': return Make(Tok::kRParen, start);
      case '[': return Make(Tok::kLBracket, start);
      case ']': return Make(Tok::kRBracket, start);
      case '{': return Make(Tok::kLBrace, start);
      case '}': return Make(Tok::kRBrace, start);
      case ',': return Make(Tok::kComma, start);
      case ':': return Make(Tok::kColon, start);
      case '.': return Make(Tok::kDot, start);
      case '+': return Make(Tok::kPlus, start);
      case '-': return Make(Tok::kMinus, start);
      case '*': return Make(Tok::kStar, start);
      case '/': return Make(Tok::kSlash, start);
      case '%': return Make(Tok::kPercent, start);
      case '?': return two('?', Tok::kQuestionQuestion, Tok::kQuestion);
      case '!': return two('=', Tok::kBangEq, Tok::kBang);
      case '<': return two('=', Tok::kLe, Tok::kLt);
      case '>': return two('=', Tok::kGe, Tok::kGt);
      case '=':
        if (Peek() == '=') {
          ++pos_;
          return Make(Tok::kEqEq, start);
        }
        return Error(start, "unexpected '=' (use '==' to compare)");
      case '&':
        if (Peek() == '&') {
          ++pos_;
          return Make(Tok::kAndAnd, start);
        }
        return Error(start, "unexpected '&' (use '&&')");
      case '|':
        if (Peek() == '|') {
          ++pos_;
          return Make(Tok::kOrOr, start);
        }
        return Error(start, "unexpected '|' (use '||')");
      default: break;
    }
    unsigned char uc = static_cast<unsigned char>(c);
    if (uc < 0x20 || uc >= 0x7F) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "unexpected character 0x%02X", uc);
      return Error(start, buf);
    }
    return Error(start, std::string("unexpected character '") + c + "'");
  }

  Token Number(size_t start) {
    while (IsDigit(Peek())) ++pos_;
    bool is_double = false;
    if (Peek() == '.' && IsDigit(Peek(1))) {
      is_double = true;
      ++pos_;
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      size_t k = 1;
      if (Peek(1) == '+' || Peek(1) == '-') k = 2;
      if (!IsDigit(Peek(k))) return Error(pos_, "malformed number: exponent needs digits");
      is_double = true;
      pos_ += k;
      while (IsDigit(Peek())) ++pos_;
    }
    if (IsIdentStart(Peek()))
      return Error(pos_, "malformed number: unexpected '" + std::string(1, Peek()) + "'");
    std::string_view text = src_.substr(start, pos_ - start);
    if (is_double) {
      Token t = Make(Tok::kDouble, start);
      auto r = std::from_chars(text.data(), text.data() + text.size(), t.double_value);
      if (r.ec != std::errc()) return Error(start, "number out of range: " + std::string(text));
      return t;
    }
    Token t = Make(Tok::kInt, start);
    t.text = std::string(text);
    auto r = std::from_chars(text.data(), text.data() + text.size(), t.int_value);
    if (r.ec != std::errc()) t.int_overflow = true;
    return t;
  }

  Token String(size_t start, char quote) {
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= src_.size()) return Error(start, "unterminated string");
      char c = src_[pos_];
      if (c == quote) {
        ++pos_;
        break;
      }
      if (c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      size_t esc = pos_;
      char e = Peek(1);
      pos_ += 2;
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case '0': out.push_back('\0'); break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case '/': out.push_back('/'); break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return Error(esc, "bad \\u escape: needs 4 hex digits");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (Peek() != '\\' || Peek(1) != 'u') return Error(esc, "bad \\u escape: unpaired surrogate");
            pos_ += 2;
            if (!Hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF)
              return Error(esc, "bad \\u escape: unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Error(esc, "bad \\u escape: unpaired surrogate");
          }
          AppendUtf8(out, cp);
          break;
        }
        case '\0':
          if (esc + 1 >= src_.size()) return Error(start, "unterminated string");
          [[fallthrough]];
        default:
          return Error(esc, std::string("unknown escape '\\") + e + "' (use \\n \\t \\\\ \\' \\\" \\uXXXX)");
      }
    }
    Token t = Make(Tok::kString, start);
    t.text = std::move(out);
    return t;
  }

  bool Hex4(uint32_t* cp) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int d = HexDigit(Peek());
      if (d < 0) return false;
      v = v * 16 + static_cast<uint32_t>(d);
      ++pos_;
    }
    *cp = v;
    return true;
  }

  std::string_view src_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Token> Lex(std::string_view source) { return Lexer(source).Run(); }

}  // namespace topo::expr
