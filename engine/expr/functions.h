#pragma once
// The standard library: one FunctionDef per function, looked up by name at
// compile time.
//
// A definition carries everything the checker and the evaluator need: arity,
// the value kinds each argument accepts (checked at compile time when the
// argument's type is known, and always at run time before `eval` runs), the
// static result type, and the implementation. By default a null argument makes
// the result null without calling `eval` ("null in, null out"); functions that
// treat null specially (concat, coalesce, is_null, ...) turn that off.
//
// `if` and `coalesce` evaluate their arguments lazily, so the evaluator compiles
// them to dedicated nodes; their `eval` is unused.
//
// Thread-safety: the registry is immutable after static initialization.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/expr/ast.h"
#include "engine/expr/type.h"
#include "engine/value/value.h"

namespace topo::expr {

// A set of ValueTypes, one bit each.
using KindMask = uint32_t;
constexpr KindMask KindBit(ValueType t) { return KindMask{1} << static_cast<int>(t); }
constexpr KindMask kAnyKind = 0x1FF;
constexpr KindMask kNumberKinds =
    KindBit(ValueType::kInt) | KindBit(ValueType::kDouble) | KindBit(ValueType::kDecimal);
// The ValueType a statically known Type holds (kAny has none: returns false).
bool KindOfType(const Type& t, ValueType* out);
// The one type all of ts[from..] share, nulls aside; any when they differ.
Type UnifyTypes(const std::vector<Type>& ts, size_t from = 0);
// "string", "int, double or decimal".
std::string DescribeKinds(KindMask mask);

// Implementation of an eager function: `args` are evaluated and already checked
// against the argument kinds. Writes the result to `out`; on a record-level
// failure returns false with a message (the caller prefixes the function name).
using EvalFn = bool (*)(const Value* const* args, int nargs, Value& out, std::string* err);
// Result type from the argument types.
using ResultTypeFn = Type (*)(const std::vector<Type>& args);
// Compile-time check of literal arguments (a rounding mode, a time unit, a
// format string). Returns false with the offending argument index and message.
using CheckFn = bool (*)(const Ast& call, int* bad_arg, std::string* err);

struct FunctionDef {
  enum class Special { kNone, kIf, kCoalesce };

  const char* name;
  int min_args;
  int max_args;                // -1: variadic
  std::vector<KindMask> args;  // per argument; the last entry covers the rest
  ResultTypeFn result;
  EvalFn eval;
  bool null_in_null_out = true;
  bool deterministic = true;  // false (uuid, now): never folded, differs between runs
  Special special = Special::kNone;
  CheckFn check = nullptr;

  KindMask ArgKinds(int i) const {
    if (args.empty()) return kAnyKind;
    return args[std::min<size_t>(static_cast<size_t>(i), args.size() - 1)];
  }
  // "takes 2 arguments", "takes 1 to 3 arguments", "takes at least 1 argument".
  std::string ArityText() const;
};

// nullptr when unknown.
const FunctionDef* FindFunction(std::string_view name);
const std::vector<FunctionDef>& AllFunctions();

// The text form concat(), format() and string() give a value: strings as they
// are, numbers and bools as literals (doubles as text.h's AppendDouble writes
// them), decimals with their scale, null as "null", arrays, objects and bytes as
// the JSON serde's json codec writes. False, with *err set, when that JSON
// cannot be written (a NaN inside an array, say).
[[nodiscard]] bool AppendText(std::string& out, const Value& v, std::string* err);

// Literal value of an argument: a literal, or a negated numeric literal (-1).
// nullptr when the argument is not a literal.
const Value* LiteralOf(const Ast& ast, Value* scratch);

}  // namespace topo::expr
