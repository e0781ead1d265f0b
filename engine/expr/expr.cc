#include "engine/expr/expr.h"

#include <algorithm>
#include <utility>

#include "engine/expr/checker.h"
#include "engine/expr/nodes.h"
#include "engine/expr/parser.h"

namespace topo::expr {

int Scope::Find(std::string_view name) const {
  for (size_t i = 0; i < vars.size(); ++i)
    if (vars[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string CompileError::Render(std::string_view source) const {
  if (column <= 0) return message;
  size_t off = std::min(static_cast<size_t>(column - 1), source.size());
  size_t line_start = source.rfind('\n', off == 0 ? std::string_view::npos : off - 1);
  line_start = (line_start == std::string_view::npos || off == 0) ? 0 : line_start + 1;
  if (off < source.size() && source[off] == '\n' && off > 0) {
    // A caret at a newline (end of a line): point after that line's text.
    size_t prev = source.rfind('\n', off - 1);
    line_start = prev == std::string_view::npos ? 0 : prev + 1;
  }
  size_t line_end = source.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = source.size();
  std::string_view line = source.substr(line_start, line_end - line_start);
  const bool multiline = source.find('\n') != std::string_view::npos;
  std::string out;
  if (multiline) {
    const size_t line_no =
        static_cast<size_t>(std::count(source.begin(), source.begin() + line_start, '\n')) + 1;
    out = "line " + std::to_string(line_no) + ", column " + std::to_string(off - line_start + 1) + ": " +
          message;
  } else {
    out = "column " + std::to_string(column) + ": " + message;
  }
  out += "\n  ";
  out += line;
  out += "\n  ";
  // Keep tabs so the caret lines up under the same character.
  for (size_t i = line_start; i < off && i < line_end; ++i) out.push_back(source[i] == '\t' ? '\t' : ' ');
  out.push_back('^');
  return out;
}

struct CompiledExpr::Impl {
  std::string source;
  NodePtr root;
  Type type;
  std::vector<bool> uses;
  std::vector<Projection> projections;  // per slot
};

CompiledExpr::CompiledExpr() = default;
CompiledExpr::CompiledExpr(CompiledExpr&&) noexcept = default;
CompiledExpr& CompiledExpr::operator=(CompiledExpr&&) noexcept = default;
CompiledExpr::~CompiledExpr() = default;

namespace {

// Records in `out[slot]` the parts of each variable `ast` reads (see SlotProjection).
void CollectProjections(const Ast& ast, std::vector<Projection>& out) {
  if (ast.kind == AstKind::kField) {
    // A chain of field accesses on a variable reads just that path.
    std::vector<std::string> path;
    const Ast* a = &ast;
    while (a->kind == AstKind::kField) {
      path.push_back(a->name);
      a = a->children[0].get();
    }
    if (a->kind == AstKind::kVar && a->slot >= 0 && static_cast<size_t>(a->slot) < out.size()) {
      std::reverse(path.begin(), path.end());
      out[a->slot].AddPath(path.data(), path.size());
      return;
    }
  }
  if (ast.kind == AstKind::kVar && ast.slot >= 0 && static_cast<size_t>(ast.slot) < out.size()) {
    out[ast.slot] = Projection::All();
    return;
  }
  for (const auto& c : ast.children) CollectProjections(*c, out);
}

Status Failure(std::vector<CompileError>* errors, size_t first) {
  std::stable_sort(errors->begin() + static_cast<std::ptrdiff_t>(first), errors->end(),
                   [](const CompileError& a, const CompileError& b) { return a.column < b.column; });
  const CompileError& e = (*errors)[first];
  std::string msg = e.column > 0 ? "column " + std::to_string(e.column) + ": " + e.message : e.message;
  const size_t more = errors->size() - first - 1;
  if (more > 0) msg += " (and " + std::to_string(more) + " more error" + (more == 1 ? ")" : "s)");
  return Status::Invalid(std::move(msg));
}

}  // namespace

Result<CompiledExpr> CompiledExpr::Compile(std::string_view source, const Scope& scope,
                                           std::vector<CompileError>* errors) {
  std::vector<CompileError> local;
  if (errors == nullptr) errors = &local;
  const size_t first = errors->size();
  std::unique_ptr<Ast> ast = Parse(source, errors);
  if (!ast) {
    if (errors->size() == first) errors->push_back({0, "syntax error"});
    return Failure(errors, first);
  }
  auto impl = std::make_shared<Impl>();
  Check(ast.get(), source, scope, errors, &impl->uses);
  if (errors->size() > first) return Failure(errors, first);
  impl->root = BuildEvaluator(*ast, errors);
  if (!impl->root) {
    if (errors->size() == first) errors->push_back({0, "cannot compile expression"});
    return Failure(errors, first);
  }
  impl->source = std::string(source);
  impl->type = ast->type;
  impl->projections.resize(scope.vars.size());
  CollectProjections(*ast, impl->projections);
  CompiledExpr out;
  out.impl_ = std::move(impl);
  return out;
}

Result<Value> CompiledExpr::Eval(const Value* const* slots) const {
  EvalCtx ctx;
  ctx.slots = slots;
  Value scratch;
  const Value& r = impl_->root->EvalRef(ctx, scratch);
  if (ctx.failed) return ctx.ToStatus();
  if (&r == &scratch) return scratch;  // implicitly moved
  return r;
}

Result<bool> CompiledExpr::EvalBool(const Value* const* slots) const {
  EvalCtx ctx;
  ctx.slots = slots;
  const Node& root = *impl_->root;
  if (root.bool_native()) {
    bool b = root.EvalBool(ctx);
    if (ctx.failed) return ctx.ToStatus();
    return b;
  }
  Value scratch;
  const Value& v = root.EvalRef(ctx, scratch);
  if (ctx.failed) return ctx.ToStatus();
  if (v.is_bool()) return v.as_bool();
  if (v.is_null()) return false;
  return Status::Invalid(std::string("filter must be bool, got ") + ValueTypeName(v.type()));
}

const Type& CompiledExpr::result_type() const { return impl_->type; }

bool CompiledExpr::UsesSlot(int slot) const {
  return slot >= 0 && static_cast<size_t>(slot) < impl_->uses.size() && impl_->uses[slot];
}

const Projection& CompiledExpr::SlotProjection(int slot) const {
  static const Projection kNothing;
  if (slot < 0 || static_cast<size_t>(slot) >= impl_->projections.size()) return kNothing;
  return impl_->projections[slot];
}

const std::string& CompiledExpr::source() const { return impl_->source; }

}  // namespace topo::expr
