#include "engine/expr/nodes.h"

#include <cmath>
#include <utility>

#include "engine/expr/functions.h"
#include "engine/value/text.h"

namespace topo::expr {

namespace {

// Function-local statics: safe to use from other translation units' static initializers.
const Value& BoolValue(bool b) {
  static const Value* kTrue = new Value(true);
  static const Value* kFalse = new Value(false);
  return b ? *kTrue : *kFalse;
}

std::string TypeName(const Value& v) { return ValueTypeName(v.type()); }

// ---- shared operator semantics (used by the nodes and by constant folding) ----

bool Arith(Tok op, const Value& a, const Value& b, Value& out, std::string* err) {
  if (op == Tok::kPlus && a.is_string() && b.is_string()) {
    std::string s;
    s.reserve(a.as_string().size() + b.as_string().size());
    s += a.as_string();
    s += b.as_string();
    out = Value(std::move(s));
    return true;
  }
  if (!a.is_number() || !b.is_number()) {
    if (op == Tok::kPlus) {
      *err = "cannot add " + TypeName(a) + " and " + TypeName(b) +
             " ('+' adds numbers or joins two strings; use concat() or string() for other values)";
    } else {
      *err = "cannot apply " + TokName(op) + " to " + TypeName(a) + " and " + TypeName(b) +
             " (it needs numbers)";
    }
    return false;
  }
  if (a.is_int() && b.is_int()) {
    const int64_t x = a.as_int(), y = b.as_int();
    int64_t r = 0;
    bool overflow = false;
    switch (op) {
      case Tok::kPlus: overflow = __builtin_add_overflow(x, y, &r); break;
      case Tok::kMinus: overflow = __builtin_sub_overflow(x, y, &r); break;
      case Tok::kStar: overflow = __builtin_mul_overflow(x, y, &r); break;
      case Tok::kSlash:
        if (y == 0) {
          *err = "division by zero";
          return false;
        }
        overflow = x == INT64_MIN && y == -1;
        if (!overflow) r = x / y;
        break;
      case Tok::kPercent:
        if (y == 0) {
          *err = "division by zero (in '%')";
          return false;
        }
        r = y == -1 ? 0 : x % y;  // INT64_MIN % -1 traps in hardware
        break;
      default: break;
    }
    if (overflow) {
      *err = "integer overflow: " + std::to_string(x) + " " + TokName(op).substr(1, 1) + " " +
             std::to_string(y) + " does not fit in int64 (use decimal(x) for large values)";
      return false;
    }
    out = Value(r);
    return true;
  }
  if (a.is_decimal() || b.is_decimal()) {
    if (a.is_double() || b.is_double()) {
      *err = "decimal arithmetic with a double: convert with decimal(x)";
      return false;
    }
    const Decimal x = a.is_decimal() ? a.as_decimal() : Decimal::FromInt(a.as_int());
    const Decimal y = b.is_decimal() ? b.as_decimal() : Decimal::FromInt(b.as_int());
    if ((op == Tok::kSlash || op == Tok::kPercent) && y.IsZero()) {
      *err = op == Tok::kSlash ? "division by zero" : "division by zero (in '%')";
      return false;
    }
    Result<Decimal> r = Decimal();
    switch (op) {
      case Tok::kPlus: r = x.Add(y); break;
      case Tok::kMinus: r = x.Sub(y); break;
      case Tok::kStar: r = x.Mul(y); break;
      case Tok::kSlash: r = x.Div(y); break;
      case Tok::kPercent: r = x.Mod(y); break;
      default: break;
    }
    if (!r.ok()) {
      *err = r.status().message();
      return false;
    }
    out = Value(*r);
    return true;
  }
  const double x = a.is_int() ? static_cast<double>(a.as_int()) : a.as_double();
  const double y = b.is_int() ? static_cast<double>(b.as_int()) : b.as_double();
  double r = 0;
  switch (op) {
    case Tok::kPlus: r = x + y; break;
    case Tok::kMinus: r = x - y; break;
    case Tok::kStar: r = x * y; break;
    case Tok::kSlash:
      // Infinity is not a value a record can carry (JSON has none): an error, like ints.
      if (y == 0) {
        *err = "division by zero";
        return false;
      }
      r = x / y;
      break;
    case Tok::kPercent:
      if (y == 0) {
        *err = "division by zero (in '%')";
        return false;
      }
      r = std::fmod(x, y);
      break;
    default: break;
  }
  // NaN and infinities are not values a record can carry (JSON has none):
  // overflow fails the record here, at this node, not later at a sink.
  if (!std::isfinite(r)) {
    std::string text;
    AppendDouble(text, x);
    text += " " + TokName(op).substr(1, 1) + " ";
    AppendDouble(text, y);
    *err = "double overflow: " + text + " is not a finite number";
    return false;
  }
  out = Value(r);
  return true;
}

bool Negate(const Value& v, Value& out, std::string* err) {
  switch (v.type()) {
    case ValueType::kInt:
      if (v.as_int() == INT64_MIN) {
        *err = "integer overflow: -(" + std::to_string(v.as_int()) + ") does not fit in int64";
        return false;
      }
      out = Value(-v.as_int());
      return true;
    case ValueType::kDouble: out = Value(-v.as_double()); return true;
    case ValueType::kDecimal: out = Value(v.as_decimal().Negate()); return true;
    default: *err = "'-' needs a number, got " + TypeName(v); return false;
  }
}

// -1, 0, 1 for numbers (by value) or strings (bytewise); false when unordered.
bool Order(const Value& a, const Value& b, int* out) {
  if (a.is_int() && b.is_int()) {
    *out = a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
    return true;
  }
  if (a.is_number() && b.is_number()) {
    *out = CompareNumbers(a, b);
    return true;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());
    *out = c < 0 ? -1 : (c > 0 ? 1 : 0);
    return true;
  }
  return false;
}

std::string OrderError(Tok op, const Value& a, const Value& b) {
  return "cannot compare " + TypeName(a) + " with " + TypeName(b) + " using " + TokName(op) +
         (a.is_null() || b.is_null() ? " (a missing field is null; use ?? for a default)" : "");
}

bool TestOrder(Tok op, int c) {
  switch (op) {
    case Tok::kLt: return c < 0;
    case Tok::kLe: return c <= 0;
    case Tok::kGt: return c > 0;
    case Tok::kGe: return c >= 0;
    default: return false;
  }
}

Tok Mirror(Tok op) {
  switch (op) {
    case Tok::kLt: return Tok::kGt;
    case Tok::kLe: return Tok::kGe;
    case Tok::kGt: return Tok::kLt;
    case Tok::kGe: return Tok::kLe;
    default: return op;
  }
}

// a[i]: element (negative counts from the end) or field; null when absent or
// when the types do not fit: access never fails.
const Value& Lookup(const Value& base, const Value& index) {
  if (base.is_array() && index.is_int()) {
    const Array& arr = base.as_array();
    int64_t i = index.as_int();
    const int64_t n = static_cast<int64_t>(arr.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return NullValue();
    return arr[static_cast<size_t>(i)];
  }
  if (base.is_object() && index.is_string()) {
    const Value* f = base.as_object().Find(index.as_string());
    return f ? *f : NullValue();
  }
  return NullValue();
}

// ---- nodes ----

class ConstNode final : public Node {
 public:
  ConstNode(int offset, Value v) : Node(offset), v_(std::move(v)) {}
  const Value& EvalRef(EvalCtx&, Value&) const override { return v_; }
  bool EvalBool(EvalCtx& ctx) const override { return v_.is_bool() ? v_.as_bool() : Node::EvalBool(ctx); }
  bool bool_native() const override { return v_.is_bool(); }
  const Value* constant() const override { return &v_; }

 private:
  Value v_;
};

class VarNode final : public Node {
 public:
  VarNode(int offset, int slot) : Node(offset), slot_(slot) {}
  const Value& EvalRef(EvalCtx& ctx, Value&) const override {
    const Value* v = ctx.slots ? ctx.slots[slot_] : nullptr;
    return v ? *v : NullValue();
  }
  int slot() const { return slot_; }

 private:
  int slot_;
};

class FieldNode final : public Node {
 public:
  FieldNode(int offset, NodePtr base, std::string name)
      : Node(offset), base_(std::move(base)), name_(std::move(name)) {}
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    const Value& b = base_->EvalRef(ctx, scratch);
    if (!b.is_object()) return NullValue();
    const Value* f = b.as_object().Find(name_);
    return f ? *f : NullValue();
  }

 private:
  NodePtr base_;
  std::string name_;
};

// `value.field`: the hottest shape, one virtual call instead of two.
class VarFieldNode final : public Node {
 public:
  VarFieldNode(int offset, int slot, std::string name) : Node(offset), slot_(slot), name_(std::move(name)) {}
  const Value& EvalRef(EvalCtx& ctx, Value&) const override {
    const Value* v = ctx.slots ? ctx.slots[slot_] : nullptr;
    if (v == nullptr || !v->is_object()) return NullValue();
    const Value* f = v->as_object().Find(name_);
    return f ? *f : NullValue();
  }

 private:
  int slot_;
  std::string name_;
};

class IndexNode final : public Node {
 public:
  IndexNode(int offset, NodePtr base, NodePtr index)
      : Node(offset), base_(std::move(base)), index_(std::move(index)) {}
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    Value is;
    const Value& i = index_->EvalRef(ctx, is);
    const Value& b = base_->EvalRef(ctx, scratch);
    // `i` may live in `is`; Lookup's result never refers to the index.
    return Lookup(b, i);
  }

 private:
  NodePtr base_;
  NodePtr index_;
};

class IndexConstNode final : public Node {
 public:
  IndexConstNode(int offset, NodePtr base, int64_t index)
      : Node(offset), base_(std::move(base)), index_(index) {}
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    const Value& b = base_->EvalRef(ctx, scratch);
    if (!b.is_array()) return NullValue();
    const Array& arr = b.as_array();
    int64_t i = index_;
    const int64_t n = static_cast<int64_t>(arr.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return NullValue();
    return arr[static_cast<size_t>(i)];
  }

 private:
  NodePtr base_;
  int64_t index_;
};

class BoolNode : public Node {
 public:
  using Node::Node;
  const Value& EvalRef(EvalCtx& ctx, Value&) const override { return BoolValue(EvalBool(ctx)); }
  bool bool_native() const override { return true; }
};

class NotNode final : public BoolNode {
 public:
  NotNode(int offset, NodePtr x) : BoolNode(offset), x_(std::move(x)) {}
  // !null is true: null is false everywhere a bool is expected.
  bool EvalBool(EvalCtx& ctx) const override { return !x_->EvalBool(ctx); }

 private:
  NodePtr x_;
};

class NegNode final : public Node {
 public:
  NegNode(int offset, NodePtr x) : Node(offset), x_(std::move(x)) {}
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    Value s;
    const Value& v = x_->EvalRef(ctx, s);
    if (ctx.failed) return NullValue();
    std::string err;
    if (!Negate(v, scratch, &err)) {
      Fail(ctx, std::move(err));
      return NullValue();
    }
    return scratch;
  }

 private:
  NodePtr x_;
};

class ArithNode final : public Node {
 public:
  ArithNode(int offset, Tok op, NodePtr l, NodePtr r)
      : Node(offset), op_(op), l_(std::move(l)), r_(std::move(r)) {}
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    Value ls, rs;
    const Value& a = l_->EvalRef(ctx, ls);
    const Value& b = r_->EvalRef(ctx, rs);
    if (ctx.failed) return NullValue();
    std::string err;
    if (!Arith(op_, a, b, scratch, &err)) {
      Fail(ctx, std::move(err));
      return NullValue();
    }
    return scratch;
  }

 private:
  Tok op_;
  NodePtr l_, r_;
};

class CompareNode final : public BoolNode {
 public:
  CompareNode(int offset, Tok op, NodePtr l, NodePtr r)
      : BoolNode(offset), op_(op), l_(std::move(l)), r_(std::move(r)) {}
  bool EvalBool(EvalCtx& ctx) const override {
    Value ls, rs;
    const Value& a = l_->EvalRef(ctx, ls);
    const Value& b = r_->EvalRef(ctx, rs);
    if (ctx.failed) return false;
    int c;
    if (!Order(a, b, &c)) {
      Fail(ctx, OrderError(op_, a, b));
      return false;
    }
    return TestOrder(op_, c);
  }

 private:
  Tok op_;
  NodePtr l_, r_;
};

// `x OP constant` (a constant on the left is mirrored: 100 < x is x > 100).
class CompareConstNode final : public BoolNode {
 public:
  CompareConstNode(int offset, Tok op, NodePtr x, Value k, bool k_on_left)
      : BoolNode(offset),
        op_(k_on_left ? Mirror(op) : op),
        orig_op_(op),
        x_(std::move(x)),
        k_(std::move(k)),
        k_on_left_(k_on_left) {}
  bool EvalBool(EvalCtx& ctx) const override {
    Value s;
    const Value& v = x_->EvalRef(ctx, s);
    int c;
    if (v.is_int() && k_.is_int()) {
      const int64_t a = v.as_int(), b = k_.as_int();
      c = a < b ? -1 : (a > b ? 1 : 0);
    } else if (v.is_double() && k_.is_double() && !v.has_kept_exact()) {
      const double a = v.as_double(), b = k_.as_double();
      c = a < b ? -1 : (a > b ? 1 : 0);
    } else if (!Order(v, k_, &c)) {
      if (!ctx.failed) Fail(ctx, k_on_left_ ? OrderError(orig_op_, k_, v) : OrderError(orig_op_, v, k_));
      return false;
    }
    return TestOrder(op_, c);
  }

 private:
  Tok op_, orig_op_;
  NodePtr x_;
  Value k_;
  bool k_on_left_;
};

class EqNode final : public BoolNode {
 public:
  EqNode(int offset, bool negate, NodePtr l, NodePtr r)
      : BoolNode(offset), negate_(negate), l_(std::move(l)), r_(std::move(r)) {}
  bool EvalBool(EvalCtx& ctx) const override {
    Value ls, rs;
    const Value& a = l_->EvalRef(ctx, ls);
    const Value& b = r_->EvalRef(ctx, rs);
    return a.Equals(b) != negate_;
  }

 private:
  bool negate_;
  NodePtr l_, r_;
};

class EqConstNode final : public BoolNode {
 public:
  EqConstNode(int offset, bool negate, NodePtr x, Value k)
      : BoolNode(offset), negate_(negate), x_(std::move(x)), k_(std::move(k)) {}
  bool EvalBool(EvalCtx& ctx) const override {
    Value s;
    const Value& v = x_->EvalRef(ctx, s);
    bool eq;
    if (k_.is_string()) {
      eq = v.is_string() && v.as_string() == k_.as_string();
    } else if (k_.is_int() && v.is_int()) {
      eq = v.as_int() == k_.as_int();
    } else {
      eq = v.Equals(k_);
    }
    return eq != negate_;
  }

 private:
  bool negate_;
  NodePtr x_;
  Value k_;
};

class InNode final : public BoolNode {
 public:
  InNode(int offset, NodePtr l, NodePtr r) : BoolNode(offset), l_(std::move(l)), r_(std::move(r)) {}
  bool EvalBool(EvalCtx& ctx) const override {
    Value ls, rs;
    const Value& x = l_->EvalRef(ctx, ls);
    const Value& c = r_->EvalRef(ctx, rs);
    if (ctx.failed) return false;
    switch (c.type()) {
      case ValueType::kNull: return false;  // a missing collection contains nothing
      case ValueType::kArray:
        for (const auto& e : c.as_array())
          if (e.Equals(x)) return true;
        return false;
      case ValueType::kObject:
        if (!x.is_string()) break;
        return c.as_object().Find(x.as_string()) != nullptr;
      case ValueType::kString:
        if (!x.is_string()) break;
        return c.as_string().find(x.as_string()) != std::string::npos;
      default:
        Fail(ctx, "'in' needs an array, object or string on the right, got " + TypeName(c));
        return false;
    }
    Fail(ctx, "'in' on " + std::string(c.is_object() ? "an object" : "a string") +
                  " needs a string on the left, got " + TypeName(x));
    return false;
  }

 private:
  NodePtr l_, r_;
};

class AndNode final : public BoolNode {
 public:
  AndNode(int offset, NodePtr l, NodePtr r) : BoolNode(offset), l_(std::move(l)), r_(std::move(r)) {}
  bool EvalBool(EvalCtx& ctx) const override { return l_->EvalBool(ctx) && r_->EvalBool(ctx); }

 private:
  NodePtr l_, r_;
};

class OrNode final : public BoolNode {
 public:
  OrNode(int offset, NodePtr l, NodePtr r) : BoolNode(offset), l_(std::move(l)), r_(std::move(r)) {}
  bool EvalBool(EvalCtx& ctx) const override {
    if (l_->EvalBool(ctx)) return true;
    return !ctx.failed && r_->EvalBool(ctx);
  }

 private:
  NodePtr l_, r_;
};

class CoalesceNode final : public Node {
 public:
  CoalesceNode(int offset, std::vector<NodePtr> xs) : Node(offset), xs_(std::move(xs)) {}
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    for (size_t i = 0; i + 1 < xs_.size(); ++i) {
      const Value& v = xs_[i]->EvalRef(ctx, scratch);
      if (!v.is_null()) return v;
    }
    return xs_.back()->EvalRef(ctx, scratch);
  }

 private:
  std::vector<NodePtr> xs_;
};

class CondNode final : public Node {
 public:
  CondNode(int offset, NodePtr c, NodePtr a, NodePtr b)
      : Node(offset), c_(std::move(c)), a_(std::move(a)), b_(std::move(b)) {}
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    return c_->EvalBool(ctx) ? a_->EvalRef(ctx, scratch) : b_->EvalRef(ctx, scratch);
  }
  bool EvalBool(EvalCtx& ctx) const override {
    return c_->EvalBool(ctx) ? a_->EvalBool(ctx) : b_->EvalBool(ctx);
  }
  bool bool_native() const override { return a_->bool_native() && b_->bool_native(); }

 private:
  NodePtr c_, a_, b_;
};

// Eager function call. Split from CallNodeN so the builder can inspect a call
// (for the lower(x) == 'k' rewrite) without knowing its arity.
class CallNode : public Node {
 public:
  CallNode(int offset, const FunctionDef* fn, std::vector<NodePtr> args)
      : Node(offset), fn_(fn), args_(std::move(args)) {
    for (size_t i = 0; i < args_.size(); ++i) kinds_.push_back(fn_->ArgKinds(static_cast<int>(i)));
  }
  const FunctionDef* fn() const { return fn_; }
  size_t num_args() const { return args_.size(); }
  NodePtr ReleaseArg(size_t i) { return std::move(args_[i]); }

 protected:
  // Evaluates the arguments into `s` and calls the function; `s` and `argv` hold
  // one entry per argument.
  const Value& Run(EvalCtx& ctx, Value& out, Value* s, const Value** argv) const {
    const int n = static_cast<int>(args_.size());
    for (int i = 0; i < n; ++i) {
      const Value& v = args_[i]->EvalRef(ctx, s[i]);
      if (ctx.failed) return NullValue();
      if (v.is_null() && fn_->null_in_null_out) return NullValue();
      if ((kinds_[i] & KindBit(v.type())) == 0) return ArgError(ctx, i, v);
      argv[i] = &v;
    }
    std::string err;
    if (!fn_->eval(argv, n, out, &err)) {
      Fail(ctx, std::string(fn_->name) + ": " + err);
      return NullValue();
    }
    return out;
  }

 private:
  const Value& ArgError(EvalCtx& ctx, int i, const Value& v) const {
    Fail(ctx, std::string(fn_->name) + ": argument " + std::to_string(i + 1) + " must be " +
                  DescribeKinds(kinds_[i]) + ", got " + TypeName(v));
    return NullValue();
  }

  const FunctionDef* fn_;
  std::vector<NodePtr> args_;
  std::vector<KindMask> kinds_;
};

// N arguments evaluated into exactly N stack scratch values; N < 0: any number, on the heap.
template <int N>
class CallNodeN final : public CallNode {
 public:
  using CallNode::CallNode;
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    if constexpr (N >= 0) {
      Value s[N > 0 ? N : 1];
      const Value* argv[N > 0 ? N : 1];
      return Run(ctx, scratch, s, argv);
    } else {
      std::vector<Value> s(num_args());
      std::vector<const Value*> argv(num_args());
      return Run(ctx, scratch, s.data(), argv.data());
    }
  }
};

NodePtr MakeCall(int at, const FunctionDef* fn, std::vector<NodePtr> args) {
  switch (args.size()) {
    case 0: return std::make_unique<CallNodeN<0>>(at, fn, std::move(args));
    case 1: return std::make_unique<CallNodeN<1>>(at, fn, std::move(args));
    case 2: return std::make_unique<CallNodeN<2>>(at, fn, std::move(args));
    case 3: return std::make_unique<CallNodeN<3>>(at, fn, std::move(args));
    case 4: return std::make_unique<CallNodeN<4>>(at, fn, std::move(args));
    default: return std::make_unique<CallNodeN<-1>>(at, fn, std::move(args));
  }
}

// `lower(x) == 'k'` / `upper(x) == 'k'` (or !=): compares case-folded bytes in
// place instead of building the folded string. Same results and errors as the
// unfused form: null x gives "not equal", a non-string x is lower's error.
class CaseFoldEqConstNode final : public BoolNode {
 public:
  CaseFoldEqConstNode(int call_offset, const FunctionDef* fn, bool upper, bool negate, NodePtr x,
                      std::string k)
      : BoolNode(call_offset), fn_(fn), upper_(upper), negate_(negate), x_(std::move(x)), k_(std::move(k)) {}
  bool EvalBool(EvalCtx& ctx) const override {
    Value s;
    const Value& v = x_->EvalRef(ctx, s);
    if (ctx.failed) return false;
    bool eq = false;
    if (v.is_string()) {
      const std::string& str = v.as_string();
      eq = str.size() == k_.size();
      for (size_t i = 0; eq && i < str.size(); ++i) eq = Fold(str[i]) == k_[i];
    } else if (!v.is_null()) {
      Fail(ctx, std::string(fn_->name) + ": argument 1 must be string, got " + TypeName(v));
      return false;
    }
    return eq != negate_;
  }

 private:
  char Fold(char c) const {
    if (upper_) return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }

  const FunctionDef* fn_;
  bool upper_, negate_;
  NodePtr x_;
  std::string k_;
};

class ArrayNode final : public Node {
 public:
  ArrayNode(int offset, std::vector<NodePtr> xs) : Node(offset), xs_(std::move(xs)) {}
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    auto arr = std::make_shared<Array>();
    arr->reserve(xs_.size());
    for (const auto& x : xs_) {
      Value s;
      const Value& v = x->EvalRef(ctx, s);
      if (&v == &s) {
        arr->push_back(std::move(s));
      } else {
        arr->push_back(v);
      }
    }
    scratch = Value(std::move(arr));
    return scratch;
  }

 private:
  std::vector<NodePtr> xs_;
};

class ObjectNode final : public Node {
 public:
  ObjectNode(int offset, std::vector<std::string> keys, std::vector<NodePtr> xs)
      : Node(offset), keys_(std::move(keys)), xs_(std::move(xs)) {}
  const Value& EvalRef(EvalCtx& ctx, Value& scratch) const override {
    auto obj = std::make_shared<Object>();
    obj->Reserve(xs_.size());
    for (size_t i = 0; i < xs_.size(); ++i) {
      Value s;
      const Value& v = xs_[i]->EvalRef(ctx, s);
      // Keys are unique (the parser rejects duplicates), so Append is safe.
      if (&v == &s) {
        obj->Append(keys_[i], std::move(s));
      } else {
        obj->Append(keys_[i], v);
      }
    }
    scratch = Value(std::move(obj));
    return scratch;
  }

 private:
  std::vector<std::string> keys_;
  std::vector<NodePtr> xs_;
};

// ---- building ----

class Builder {
 public:
  explicit Builder(std::vector<CompileError>* errors) : errors_(errors) {}

  NodePtr Build(const Ast& n) {
    std::vector<NodePtr> kids;
    kids.reserve(n.children.size());
    bool all_const = true;
    for (const auto& c : n.children) {
      kids.push_back(Build(*c));
      all_const = all_const && kids.back()->constant() != nullptr;
    }
    NodePtr node = Make(n, std::move(kids));
    if (!all_const || node->constant() != nullptr || !Foldable(n)) return node;
    return Fold(std::move(node));
  }

  bool failed() const { return failed_; }

 private:
  static bool Foldable(const Ast& n) {
    if (n.kind == AstKind::kVar) return false;
    if (n.kind == AstKind::kCall && n.fn && !n.fn->deterministic) return false;
    return true;
  }

  NodePtr Fold(NodePtr node) {
    EvalCtx ctx;
    Value scratch;
    const Value& r = node->EvalRef(ctx, scratch);
    if (ctx.failed) {
      // Evaluating it would fail for every record: better said now.
      errors_->push_back({ctx.column, ctx.message});
      failed_ = true;
      return node;
    }
    Value v = &r == &scratch ? std::move(scratch) : r;
    return std::make_unique<ConstNode>(node->column() - 1, std::move(v));
  }

  NodePtr Make(const Ast& n, std::vector<NodePtr> k) {
    // Access never fails, so an access node's column only shows up in "expected a
    // bool" messages, which should point at the start of the operand.
    const int at = n.kind == AstKind::kField || n.kind == AstKind::kIndex ? n.start : n.offset;
    switch (n.kind) {
      case AstKind::kLiteral: return std::make_unique<ConstNode>(at, n.literal);
      case AstKind::kVar: return std::make_unique<VarNode>(at, n.slot);
      case AstKind::kField: return FieldOf(at, std::move(k[0]), n.name);
      case AstKind::kIndex: {
        if (const Value* i = k[1]->constant()) {
          if (i->is_string()) return FieldOf(at, std::move(k[0]), i->as_string());
          if (i->is_int()) return std::make_unique<IndexConstNode>(at, std::move(k[0]), i->as_int());
        }
        return std::make_unique<IndexNode>(at, std::move(k[0]), std::move(k[1]));
      }
      case AstKind::kUnary:
        if (n.op == Tok::kBang) return std::make_unique<NotNode>(at, std::move(k[0]));
        return std::make_unique<NegNode>(at, std::move(k[0]));
      case AstKind::kBinary: return MakeBinary(n, std::move(k[0]), std::move(k[1]));
      case AstKind::kAnd: return std::make_unique<AndNode>(at, std::move(k[0]), std::move(k[1]));
      case AstKind::kOr: return std::make_unique<OrNode>(at, std::move(k[0]), std::move(k[1]));
      case AstKind::kCoalesce: return std::make_unique<CoalesceNode>(at, std::move(k));
      case AstKind::kConditional: return MakeCond(at, std::move(k[0]), std::move(k[1]), std::move(k[2]));
      case AstKind::kCall:
        switch (n.fn->special) {
          case FunctionDef::Special::kIf:
            return MakeCond(at, std::move(k[0]), std::move(k[1]), std::move(k[2]));
          case FunctionDef::Special::kCoalesce: return std::make_unique<CoalesceNode>(at, std::move(k));
          case FunctionDef::Special::kNone: break;
        }
        return MakeCall(at, n.fn, std::move(k));
      case AstKind::kArray: return std::make_unique<ArrayNode>(at, std::move(k));
      case AstKind::kObject: return std::make_unique<ObjectNode>(at, n.keys, std::move(k));
    }
    return std::make_unique<ConstNode>(at, Value());
  }

  static NodePtr FieldOf(int at, NodePtr base, const std::string& name) {
    if (auto* var = dynamic_cast<VarNode*>(base.get()))
      return std::make_unique<VarFieldNode>(at, var->slot(), name);
    return std::make_unique<FieldNode>(at, std::move(base), name);
  }

  static NodePtr MakeCond(int at, NodePtr c, NodePtr a, NodePtr b) {
    if (const Value* k = c->constant()) {
      if (k->is_null() || k->is_bool()) return k->is_bool() && k->as_bool() ? std::move(a) : std::move(b);
    }
    return std::make_unique<CondNode>(at, std::move(c), std::move(a), std::move(b));
  }

  // lower(x) == 'k' and upper(x) == 'k' as one node; nullptr when `call` is not that shape.
  static NodePtr CaseFold(bool negate, NodePtr& call, NodePtr& k) {
    const Value* kv = k->constant();
    auto* c = dynamic_cast<CallNode*>(call.get());
    if (kv == nullptr || !kv->is_string() || c == nullptr || c->num_args() != 1) return nullptr;
    const std::string_view name = c->fn()->name;
    if (name != "lower" && name != "upper") return nullptr;
    return std::make_unique<CaseFoldEqConstNode>(c->column() - 1, c->fn(), name == "upper", negate,
                                                 c->ReleaseArg(0), kv->as_string());
  }

  static NodePtr MakeBinary(const Ast& n, NodePtr l, NodePtr r) {
    const int at = n.offset;
    switch (n.op) {
      case Tok::kEqEq:
      case Tok::kBangEq: {
        const bool neg = n.op == Tok::kBangEq;
        if (NodePtr fused = CaseFold(neg, l, r)) return fused;
        if (NodePtr fused = CaseFold(neg, r, l)) return fused;
        if (const Value* k = r->constant()) return std::make_unique<EqConstNode>(at, neg, std::move(l), *k);
        if (const Value* k = l->constant()) return std::make_unique<EqConstNode>(at, neg, std::move(r), *k);
        return std::make_unique<EqNode>(at, neg, std::move(l), std::move(r));
      }
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe:
        if (const Value* k = r->constant())
          return std::make_unique<CompareConstNode>(at, n.op, std::move(l), *k, /*k_on_left=*/false);
        if (const Value* k = l->constant())
          return std::make_unique<CompareConstNode>(at, n.op, std::move(r), *k, /*k_on_left=*/true);
        return std::make_unique<CompareNode>(at, n.op, std::move(l), std::move(r));
      case Tok::kIn: return std::make_unique<InNode>(at, std::move(l), std::move(r));
      default: return std::make_unique<ArithNode>(at, n.op, std::move(l), std::move(r));
    }
  }

  std::vector<CompileError>* errors_;
  bool failed_ = false;
};

}  // namespace

const Value& NullValue() {
  static const Value* kNull = new Value();
  return *kNull;
}

Status EvalCtx::ToStatus() const {
  return Status::Invalid("column " + std::to_string(column) + ": " + message);
}

bool Node::EvalBool(EvalCtx& ctx) const {
  Value s;
  const Value& v = EvalRef(ctx, s);
  if (v.is_bool()) return v.as_bool();
  if (!v.is_null() && !ctx.failed)
    Fail(ctx, "expected a bool, got " + TypeName(v) + " (null counts as false)");
  return false;
}

NodePtr BuildEvaluator(const Ast& root, std::vector<CompileError>* errors) {
  Builder b(errors);
  NodePtr n = b.Build(root);
  if (b.failed()) return nullptr;
  return n;
}

}  // namespace topo::expr
