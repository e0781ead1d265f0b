#include "engine/expr/checker.h"

#include <utility>

#include "engine/base/suggest.h"
#include "engine/expr/functions.h"

namespace topo::expr {

namespace {

using K = Type::Kind;

bool IsNumeric(K k) { return k == K::kInt || k == K::kDouble || k == K::kDecimal; }
bool Known(const Type& t) { return !t.is_any(); }
// Known and not null: null literals and missing fields compare with anything.
bool Concrete(const Type& t) { return Known(t) && t.kind != K::kNull; }
// Kinds that may be compared with == without being always unequal.
int Family(K k) { return IsNumeric(k) ? 0 : static_cast<int>(k) + 1; }

std::string OpText(Tok op) {
  std::string s = TokName(op);  // "'+'"
  return s;
}

class Checker {
 public:
  Checker(std::string_view source, const Scope& scope, std::vector<CompileError>* errors,
          std::vector<bool>* used)
      : source_(source), scope_(scope), errors_(errors), used_(used) {}

  Type Visit(Ast* n) {
    n->type = Compute(n);
    return n->type;
  }

 private:
  void Error(int offset, std::string msg) { errors_->push_back({offset + 1, std::move(msg)}); }

  // The source text of a subtree, for messages ("value.payload").
  std::string_view Text(const Ast& n, int end) const {
    if (n.start < 0 || end <= n.start || static_cast<size_t>(end) > source_.size()) return "";
    std::string_view t = source_.substr(n.start, end - n.start);
    while (!t.empty() && (t.back() == ' ' || t.back() == '.' || t.back() == '[')) t.remove_suffix(1);
    return t;
  }

  Type Compute(Ast* n) {
    switch (n->kind) {
      case AstKind::kLiteral: return n->type;
      case AstKind::kVar: return Var(n);
      case AstKind::kField: {
        Type base = Visit(n->children[0].get());
        return FieldType(base, n->name, n->offset, *n->children[0], n->offset);
      }
      case AstKind::kIndex: return Index(n);
      case AstKind::kUnary: return Unary(n);
      case AstKind::kBinary: return Binary(n);
      case AstKind::kAnd:
      case AstKind::kOr: {
        for (auto& c : n->children) {
          Type t = Visit(c.get());
          if (Concrete(t) && t.kind != K::kBool)
            Error(c->start, OpText(n->op) + " needs bool operands, got " + t.ToString());
        }
        return Type::Of(K::kBool);
      }
      case AstKind::kCoalesce: {
        Type a = Visit(n->children[0].get());
        Type b = Visit(n->children[1].get());
        return UnifyTypes({a, b});
      }
      case AstKind::kConditional: {
        Type c = Visit(n->children[0].get());
        if (Concrete(c) && c.kind != K::kBool)
          Error(n->children[0]->start, "the condition of '?:' must be bool, got " + c.ToString());
        Type a = Visit(n->children[1].get());
        Type b = Visit(n->children[2].get());
        return UnifyTypes({a, b});
      }
      case AstKind::kCall: return Call(n);
      case AstKind::kArray: {
        std::vector<Type> ts;
        for (auto& c : n->children) ts.push_back(Visit(c.get()));
        return Type::ArrayOf(ts.empty() ? Type::Any() : UnifyTypes(ts));
      }
      case AstKind::kObject: {
        std::map<std::string, Type> fields;
        for (size_t i = 0; i < n->children.size(); ++i) fields[n->keys[i]] = Visit(n->children[i].get());
        return Type::ObjectOf(std::move(fields), /*open=*/false);
      }
    }
    return Type::Any();
  }

  Type Var(Ast* n) {
    int slot = scope_.Find(n->name);
    if (slot < 0) {
      std::vector<std::string> names;
      for (const auto& v : scope_.vars) names.push_back(v.name);
      std::string msg = "unknown variable '" + n->name + "'";
      if (FindFunction(n->name)) {
        msg += " ('" + n->name + "' is a function: call it as " + n->name + "(...))";
      } else {
        msg += DidYouMean(n->name, names);
        if (Suggest(n->name, names).empty() && !names.empty()) {
          msg += "; variables here: ";
          for (size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : "") + names[i];
        }
      }
      Error(n->offset, std::move(msg));
      return Type::Any();
    }
    n->slot = slot;
    if (static_cast<size_t>(slot) < used_->size()) (*used_)[slot] = true;
    return scope_.vars[slot].type;
  }

  Type FieldType(const Type& base, const std::string& name, int offset, const Ast& base_node, int text_end) {
    if (base.kind != K::kObject || !base.fields) return Type::Any();
    auto it = base.fields->find(name);
    if (it != base.fields->end()) return it->second;
    if (base.open) return Type::Any();
    std::vector<std::string> names;
    for (const auto& [f, t] : *base.fields) names.push_back(f);
    std::string where = base.name.empty() ? std::string(Text(base_node, text_end)) : base.name;
    if (where.empty()) where = base.ToString();
    std::string msg = "no field '" + name + "' in " + where;
    std::string hint = DidYouMean(name, names);
    if (!hint.empty()) {
      msg += hint;
    } else if (names.empty()) {
      msg += " (it has no fields)";
    } else {
      msg += " (fields: ";
      for (size_t i = 0; i < names.size() && i < 12; ++i) msg += (i ? ", " : "") + names[i];
      if (names.size() > 12) msg += ", ...";
      msg += ")";
    }
    Error(offset, std::move(msg));
    return Type::Any();
  }

  Type Index(Ast* n) {
    Type base = Visit(n->children[0].get());
    Ast* idx = n->children[1].get();
    Type it = Visit(idx);
    if (idx->kind == AstKind::kLiteral && idx->literal.is_string())
      return FieldType(base, idx->literal.as_string(), idx->start, *n->children[0], n->offset);
    if (base.kind == K::kArray) {
      if (Concrete(it) && it.kind != K::kInt)
        Error(idx->start, "array index must be an int, got " + it.ToString());
      return base.element ? *base.element : Type::Any();
    }
    return Type::Any();
  }

  Type Unary(Ast* n) {
    Type t = Visit(n->children[0].get());
    if (n->op == Tok::kBang) {
      if (Concrete(t) && t.kind != K::kBool) Error(n->offset, "'!' needs a bool, got " + t.ToString());
      return Type::Of(K::kBool);
    }
    if (Known(t) && !IsNumeric(t.kind)) {
      Error(n->offset, "'-' needs a number, got " + t.ToString());
      return Type::Any();
    }
    return t;
  }

  Type Arith(Ast* n, const Type& l, const Type& r) {
    bool bad = false;
    if (Known(l) && !IsNumeric(l.kind)) bad = true;
    if (Known(r) && !IsNumeric(r.kind)) bad = true;
    if (bad) {
      Error(n->offset, "cannot apply " + OpText(n->op) + " to " + l.ToString() + " and " + r.ToString() +
                           " (it needs numbers)");
      return Type::Any();
    }
    if (Known(l) && Known(r)) {
      if ((l.kind == K::kDecimal && r.kind == K::kDouble) ||
          (l.kind == K::kDouble && r.kind == K::kDecimal)) {
        Error(n->offset, "decimal arithmetic with a double: convert with decimal(x)");
        return Type::Any();
      }
      if (l.kind == K::kDecimal || r.kind == K::kDecimal) return Type::Of(K::kDecimal);
      if (l.kind == K::kDouble || r.kind == K::kDouble) return Type::Of(K::kDouble);
      return Type::Of(K::kInt);
    }
    // One side unknown: decimal stays decimal and double stays double (or the
    // operation fails at run time); int could become anything.
    const Type& k = Known(l) ? l : r;
    if (Known(k) && k.kind != K::kInt) return k;
    return Type::Any();
  }

  Type Binary(Ast* n) {
    Type l = Visit(n->children[0].get());
    Type r = Visit(n->children[1].get());
    switch (n->op) {
      case Tok::kPlus: {
        bool ls = l.kind == K::kString, rs = r.kind == K::kString;
        if (ls && rs) return l;
        if ((ls && Known(r)) || (rs && Known(l))) {
          Error(n->offset, "cannot add " + l.ToString() + " and " + r.ToString() +
                               " ('+' joins two strings; use concat() or string() for other values)");
          return Type::Any();
        }
        if (ls || rs) return Type::Of(K::kString);
        return Arith(n, l, r);
      }
      case Tok::kMinus:
      case Tok::kStar:
      case Tok::kSlash:
      case Tok::kPercent: return Arith(n, l, r);
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe: {
        auto orderable = [](const Type& t) { return IsNumeric(t.kind) || t.kind == K::kString; };
        if (Known(l) && Known(r)) {
          bool ok =
              (IsNumeric(l.kind) && IsNumeric(r.kind)) || (l.kind == K::kString && r.kind == K::kString);
          if (!ok)
            Error(n->offset,
                  "cannot compare " + l.ToString() + " with " + r.ToString() + " using " + OpText(n->op) +
                      (orderable(l) && orderable(r) ? " (convert one side: decimal(x), int(x), string(x))"
                                                    : " (it orders numbers or strings)"));
        } else if ((Known(l) && !orderable(l)) || (Known(r) && !orderable(r))) {
          Error(n->offset,
                OpText(n->op) + " orders numbers or strings, got " + (Known(l) ? l : r).ToString());
        }
        return Type::Of(K::kBool);
      }
      case Tok::kEqEq:
      case Tok::kBangEq:
        if (Concrete(l) && Concrete(r) && Family(l.kind) != Family(r.kind)) {
          Error(
              n->offset,
              "cannot compare " + l.ToString() + " with " + r.ToString() + ": they are never equal" +
                  ((IsNumeric(l.kind) || IsNumeric(r.kind)) && (l.kind == K::kString || r.kind == K::kString)
                       ? " (convert one side: decimal(x), int(x), string(x))"
                       : ""));
        }
        return Type::Of(K::kBool);
      case Tok::kIn:
        if (Concrete(r)) {
          if (r.kind == K::kObject || r.kind == K::kString) {
            if (Concrete(l) && l.kind != K::kString)
              Error(n->offset, "'in' on " + std::string(r.kind == K::kObject ? "an object" : "a string") +
                                   " needs a string on the left, got " + l.ToString());
          } else if (r.kind != K::kArray) {
            Error(n->offset, "'in' needs an array, object or string on the right, got " + r.ToString());
          }
        }
        return Type::Of(K::kBool);
      default: return Type::Any();
    }
  }

  Type Call(Ast* n) {
    std::vector<Type> types;
    for (auto& c : n->children) types.push_back(Visit(c.get()));
    const FunctionDef* fn = FindFunction(n->name);
    if (fn == nullptr) {
      std::string msg = "unknown function '" + n->name + "'";
      if (scope_.Find(n->name) >= 0) {
        msg += " ('" + n->name + "' is a variable, not a function)";
      } else {
        msg += DidYouMean(n->name, FunctionNames());
      }
      Error(n->offset, std::move(msg));
      return Type::Any();
    }
    n->fn = fn;
    const int nargs = static_cast<int>(n->children.size());
    if (nargs < fn->min_args || (fn->max_args >= 0 && nargs > fn->max_args)) {
      Error(n->offset, std::string(fn->name) + "() " + fn->ArityText() + ", got " + std::to_string(nargs));
      return Type::Any();
    }
    bool ok = true;
    for (int i = 0; i < nargs; ++i) {
      ValueType vt;
      if (!KindOfType(types[i], &vt)) continue;
      if (vt == ValueType::kNull && fn->null_in_null_out) continue;
      if ((fn->ArgKinds(i) & KindBit(vt)) == 0) {
        Error(n->children[i]->start, std::string(fn->name) + ": argument " + std::to_string(i + 1) +
                                         " must be " + DescribeKinds(fn->ArgKinds(i)) + ", got " +
                                         types[i].ToString());
        ok = false;
      }
    }
    if (ok && fn->check) {
      int bad = 0;
      std::string err;
      if (!fn->check(*n, &bad, &err)) {
        Error(bad >= 0 && bad < nargs ? n->children[bad]->start : n->offset, std::move(err));
        ok = false;
      }
    }
    return fn->result(types);
  }

  std::string_view source_;
  const Scope& scope_;
  std::vector<CompileError>* errors_;
  std::vector<bool>* used_;
};

}  // namespace

void Check(Ast* root, std::string_view source, const Scope& scope, std::vector<CompileError>* errors,
           std::vector<bool>* used) {
  used->assign(scope.vars.size(), false);
  Checker(source, scope, errors, used).Visit(root);
}

}  // namespace topo::expr
