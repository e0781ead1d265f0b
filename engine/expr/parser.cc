#include "engine/expr/parser.h"

#include <algorithm>
#include <utility>

namespace topo::expr {
namespace {

// Deeper nesting is an error rather than a stack overflow in the parser, the
// checker or the evaluator (all recursive).
constexpr int kMaxDepth = 256;
// Bounds the tree height too (a long `a + b + ...` chain is built iteratively
// but walked recursively later, and destroyed recursively).
constexpr int kMaxTreeDepth = 1000;

int BinaryPrecedence(Tok t) {
  switch (t) {
    case Tok::kQuestionQuestion: return 1;
    case Tok::kOrOr: return 2;
    case Tok::kAndAnd: return 3;
    case Tok::kEqEq:
    case Tok::kBangEq: return 4;
    case Tok::kLt:
    case Tok::kLe:
    case Tok::kGt:
    case Tok::kGe:
    case Tok::kIn: return 5;
    case Tok::kPlus:
    case Tok::kMinus: return 6;
    case Tok::kStar:
    case Tok::kSlash:
    case Tok::kPercent: return 7;
    default: return 0;
  }
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::vector<CompileError>* errors)
      : toks_(std::move(tokens)), errors_(errors) {}

  std::unique_ptr<Ast> Run() {
    if (Cur().kind == Tok::kEnd) {
      Fail(Cur(), "empty expression");
      return nullptr;
    }
    auto e = Expression();
    if (!e) return nullptr;
    if (Cur().kind != Tok::kEnd) {
      Unexpected("after the expression");
      return nullptr;
    }
    if (failed_) return nullptr;
    return e;
  }

 private:
  const Token& Cur() const { return toks_[pos_]; }
  const Token& PeekTok(size_t k) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  void Advance() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }

  std::nullptr_t Fail(const Token& at, std::string msg) {
    if (!failed_) errors_->push_back({at.offset + 1, std::move(msg)});
    failed_ = true;
    return nullptr;
  }

  std::nullptr_t Unexpected(const std::string& where) {
    const Token& t = Cur();
    if (t.kind == Tok::kError) return Fail(t, t.text);
    if (t.kind == Tok::kEnd) return Fail(t, "unexpected end of expression " + where);
    return Fail(t, "unexpected " + Describe(t) + " " + where);
  }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kIdent: return "identifier '" + t.text + "'";
      case Tok::kInt: return "number " + t.text;
      case Tok::kString: return "string";
      default: return TokName(t.kind);
    }
  }

  bool Expect(Tok kind, const std::string& where) {
    if (Cur().kind == kind) {
      Advance();
      return true;
    }
    const Token& t = Cur();
    if (t.kind == Tok::kError) {
      Fail(t, t.text);
    } else {
      Fail(t, "expected " + TokName(kind) + " " + where + ", found " + Describe(t));
    }
    return false;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser* p) : p(p) { ++p->depth_; }
    ~DepthGuard() { --p->depth_; }
    Parser* p;
  };

  // Appends `child` and keeps node->depth current; a too-tall tree fails the parse.
  void Adopt(Ast* node, std::unique_ptr<Ast> child) {
    node->depth = std::max(node->depth, child->depth + 1);
    if (node->depth > kMaxTreeDepth && !failed_) {
      errors_->push_back({node->offset + 1, "expression nested too deeply"});
      failed_ = true;
    }
    node->children.push_back(std::move(child));
  }

  std::unique_ptr<Ast> Expression() {
    DepthGuard guard(this);
    if (depth_ > kMaxDepth) return Fail(Cur(), "expression nested too deeply");
    auto cond = Binary(1);
    if (!cond || Cur().kind != Tok::kQuestion) return cond;
    auto node = std::make_unique<Ast>();
    node->kind = AstKind::kConditional;
    node->offset = Cur().offset;
    node->start = cond->start;
    Advance();
    auto a = Expression();
    if (!a) return nullptr;
    if (!Expect(Tok::kColon, "in 'cond ? a : b'")) return nullptr;
    auto b = Expression();
    if (!b) return nullptr;
    Adopt(node.get(), std::move(cond));
    Adopt(node.get(), std::move(a));
    Adopt(node.get(), std::move(b));
    return node;
  }

  std::unique_ptr<Ast> Binary(int min_prec) {
    auto left = Unary();
    if (!left) return nullptr;
    while (true) {
      Tok op = Cur().kind;
      int prec = BinaryPrecedence(op);
      if (prec == 0 || prec < min_prec) return left;
      int offset = Cur().offset;
      Advance();
      auto right = Binary(prec + 1);
      if (!right) return nullptr;
      auto node = std::make_unique<Ast>();
      switch (op) {
        case Tok::kAndAnd: node->kind = AstKind::kAnd; break;
        case Tok::kOrOr: node->kind = AstKind::kOr; break;
        case Tok::kQuestionQuestion: node->kind = AstKind::kCoalesce; break;
        default: node->kind = AstKind::kBinary; break;
      }
      node->op = op;
      node->offset = offset;
      node->start = left->start;
      Adopt(node.get(), std::move(left));
      Adopt(node.get(), std::move(right));
      if (failed_) return nullptr;
      left = std::move(node);
    }
  }

  std::unique_ptr<Ast> Unary() {
    DepthGuard guard(this);
    if (depth_ > kMaxDepth) return Fail(Cur(), "expression nested too deeply");
    const Token& t = Cur();
    if (t.kind != Tok::kBang && t.kind != Tok::kMinus) return Postfix();
    // -9223372036854775808 is the one integer literal whose digits overflow.
    if (t.kind == Tok::kMinus && PeekTok(1).kind == Tok::kInt && PeekTok(1).int_overflow &&
        PeekTok(1).text == "9223372036854775808") {
      auto lit = std::make_unique<Ast>();
      lit->kind = AstKind::kLiteral;
      lit->offset = lit->start = t.offset;
      lit->literal = Value(INT64_MIN);
      lit->type = Type::Of(Type::Kind::kInt);
      Advance();
      Advance();
      return PostfixOn(std::move(lit));
    }
    auto node = std::make_unique<Ast>();
    node->kind = AstKind::kUnary;
    node->op = t.kind;
    node->offset = node->start = t.offset;
    Advance();
    auto operand = Unary();
    if (!operand) return nullptr;
    Adopt(node.get(), std::move(operand));
    return node;
  }

  std::unique_ptr<Ast> Postfix() {
    auto e = Primary();
    if (!e) return nullptr;
    return PostfixOn(std::move(e));
  }

  std::unique_ptr<Ast> PostfixOn(std::unique_ptr<Ast> e) {
    while (true) {
      const Token& t = Cur();
      if (t.kind == Tok::kDot) {
        Advance();
        const Token& f = Cur();
        // Keywords are fine as field names: value.in, value.null.
        if (f.kind != Tok::kIdent && f.kind != Tok::kNull && f.kind != Tok::kTrue && f.kind != Tok::kFalse &&
            f.kind != Tok::kIn) {
          if (f.kind == Tok::kError) return Fail(f, f.text);
          return Fail(f, "expected a field name after '.', found " + Describe(f));
        }
        auto node = std::make_unique<Ast>();
        node->kind = AstKind::kField;
        node->offset = f.offset;
        node->start = e->start;
        node->name = f.text;
        Adopt(node.get(), std::move(e));
        if (failed_) return nullptr;
        e = std::move(node);
        Advance();
      } else if (t.kind == Tok::kLBracket) {
        auto node = std::make_unique<Ast>();
        node->kind = AstKind::kIndex;
        node->offset = t.offset;
        node->start = e->start;
        Advance();
        auto index = Expression();
        if (!index) return nullptr;
        if (!Expect(Tok::kRBracket, "to close '['")) return nullptr;
        Adopt(node.get(), std::move(e));
        Adopt(node.get(), std::move(index));
        if (failed_) return nullptr;
        e = std::move(node);
      } else if (t.kind == Tok::kLParen) {
        return Fail(t, "only named functions can be called, like lower(x)");
      } else {
        return e;
      }
    }
  }

  std::unique_ptr<Ast> Primary() {
    const Token& t = Cur();
    auto node = std::make_unique<Ast>();
    node->offset = node->start = t.offset;
    switch (t.kind) {
      case Tok::kNull:
        node->kind = AstKind::kLiteral;
        node->type = Type::Of(Type::Kind::kNull);
        Advance();
        return node;
      case Tok::kTrue:
      case Tok::kFalse:
        node->kind = AstKind::kLiteral;
        node->literal = Value(t.kind == Tok::kTrue);
        node->type = Type::Of(Type::Kind::kBool);
        Advance();
        return node;
      case Tok::kInt:
        if (t.int_overflow) return Fail(t, "integer literal out of int64 range: " + t.text);
        node->kind = AstKind::kLiteral;
        node->literal = Value(t.int_value);
        node->type = Type::Of(Type::Kind::kInt);
        Advance();
        return node;
      case Tok::kDouble:
        node->kind = AstKind::kLiteral;
        node->literal = Value(t.double_value);
        node->type = Type::Of(Type::Kind::kDouble);
        Advance();
        return node;
      case Tok::kString:
        node->kind = AstKind::kLiteral;
        node->literal = Value(t.text);
        node->type = Type::Of(Type::Kind::kString);
        Advance();
        return node;
      case Tok::kIdent:
        node->name = t.text;
        Advance();
        if (Cur().kind == Tok::kLParen) return Call(std::move(node));
        node->kind = AstKind::kVar;
        return node;
      case Tok::kLParen: {
        Advance();
        auto inner = Expression();
        if (!inner) return nullptr;
        if (!Expect(Tok::kRParen, "to close '('")) return nullptr;
        inner->start = node->start;
        return inner;
      }
      case Tok::kLBracket: {
        node->kind = AstKind::kArray;
        Advance();
        while (Cur().kind != Tok::kRBracket) {
          auto e = Expression();
          if (!e) return nullptr;
          Adopt(node.get(), std::move(e));
          if (Cur().kind == Tok::kComma) {
            Advance();
          } else if (Cur().kind != Tok::kRBracket) {
            return Unexpected("in array literal (expected ',' or ']')");
          }
        }
        Advance();
        return node;
      }
      case Tok::kLBrace: return ObjectLiteral(std::move(node));
      default: return Unexpected("at the start of an operand");
    }
  }

  std::unique_ptr<Ast> Call(std::unique_ptr<Ast> node) {
    node->kind = AstKind::kCall;
    Advance();  // '('
    while (Cur().kind != Tok::kRParen) {
      auto e = Expression();
      if (!e) return nullptr;
      Adopt(node.get(), std::move(e));
      if (Cur().kind == Tok::kComma) {
        Advance();
      } else if (Cur().kind != Tok::kRParen) {
        return Unexpected("in the arguments of " + node->name + "() (expected ',' or ')')");
      }
    }
    Advance();
    return node;
  }

  std::unique_ptr<Ast> ObjectLiteral(std::unique_ptr<Ast> node) {
    node->kind = AstKind::kObject;
    Advance();  // '{'
    while (Cur().kind != Tok::kRBrace) {
      const Token& k = Cur();
      if (k.kind != Tok::kIdent && k.kind != Tok::kString && k.kind != Tok::kNull && k.kind != Tok::kTrue &&
          k.kind != Tok::kFalse && k.kind != Tok::kIn) {
        if (k.kind == Tok::kError) return Fail(k, k.text);
        return Fail(k,
                    "expected a key (identifier or quoted string) in object literal, found " + Describe(k));
      }
      for (size_t i = 0; i < node->keys.size(); ++i) {
        if (node->keys[i] == k.text) return Fail(k, "duplicate key '" + k.text + "' in object literal");
      }
      node->keys.push_back(k.text);
      node->key_offsets.push_back(k.offset);
      Advance();
      if (!Expect(Tok::kColon, "after key '" + node->keys.back() + "'")) return nullptr;
      auto e = Expression();
      if (!e) return nullptr;
      Adopt(node.get(), std::move(e));
      if (Cur().kind == Tok::kComma) {
        Advance();
      } else if (Cur().kind != Tok::kRBrace) {
        return Unexpected("in object literal (expected ',' or '}')");
      }
    }
    Advance();
    return node;
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  std::vector<CompileError>* errors_;
};

}  // namespace

std::unique_ptr<Ast> Parse(std::string_view source, std::vector<CompileError>* errors) {
  return Parser(Lex(source), errors).Run();
}

}  // namespace topo::expr
