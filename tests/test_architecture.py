"""The rooms and the direction of dependence (ARCHITECTURE.md), checked on the source.

Walks every first-party module (migrations aside) with `ast`:
- no import cycle between modules (module-level imports);
- a room's domain modules import only the rooms below it (ALLOWED), so no domain app imports workflows/ or the
  API; its page modules (views, URLs, forms, tables, filters, admin: thin, they ask) may import any domain room;
- no first-party import inside a function unless a comment says why (on that line, or above its import block):
  Celery task bodies and Django app loading are the usual reasons.
"""

import ast
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parent.parent

# Bottom to top. core/ and ops/ are plumbing with no domain knowledge; project/ is the top (settings, URLs, Celery).
FLOORS = [
    {"core"},
    {"ops"},
    {"audit"},
    {"accounts"},
    {"cases"},
    {"remediation"},
    {"field"},
    {"stats"},
    {"workflows"},
    {"api", "demo"},
    {"project"},
]
ALLOWED = {room: set().union(*FLOORS[:floor]) for floor, rooms in enumerate(FLOORS) for room in rooms}
APPS = set(ALLOWED)
DOMAIN = {"core", "ops", "audit", "accounts", "cases", "remediation", "field", "stats"}
# The thin page layer of an app: it asks the domain rooms, which never import it.
PAGE_MODULES = {"views", "urls", "forms", "tables", "filters", "admin"}


def is_page(module):
    parts = module.split(".")[1:]
    return bool(PAGE_MODULES & set(parts)) or "templatetags" in parts or any(p.startswith("views") for p in parts)


def modules():
    """{dotted name: path} of every first-party module outside migrations."""
    found = {}
    for app in APPS:
        for path in (BASE / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(BASE).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = modules()


def imported(module, path, node):
    """First-party modules an import statement names (a `from x import y` of a submodule counts as x.y)."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        if node.level:
            package = module.split(".")
            if path.name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    result = []
    for target in targets:
        while target not in MODULES and "." in target:
            target = target.rsplit(".", 1)[0]
        if target in MODULES:
            result.append(target)
    return result


def walk():
    """(module, line, target, at_top) for every first-party import."""
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported(module, path, node):
                    if target != module:
                        yield module, node.lineno, target, id(node) in top


IMPORTS = list(walk())


def test_no_import_cycles():
    graph = {name: set() for name in MODULES}
    for module, _line, target, at_top in IMPORTS:
        if at_top:
            graph[module].add(target)
    # Tarjan's strongly connected components: any component of two or more modules is a cycle.
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert cycles == []


def test_dependence_points_down():
    wrong = sorted(
        f"{module}:{line} imports {target}"
        for module, line, target, _top in IMPORTS
        if (src := module.split(".")[0]) != (dst := target.split(".")[0])
        and dst not in ALLOWED[src]
        and not (is_page(module) and dst in DOMAIN)
    )
    assert wrong == []


def test_domain_modules_never_import_pages():
    wrong = sorted(
        f"{module}:{line} imports {target}"
        for module, line, target, _top in IMPORTS
        if not is_page(module) and is_page(target) and module.split(".")[0] != "project"
    )
    assert wrong == []


def test_domain_apps_never_import_workflows():
    domain = {"core", "accounts", "audit", "cases", "field", "remediation", "stats"}
    wrong = [
        f"{m}:{line}" for m, line, target, _ in IMPORTS if m.split(".")[0] in domain and target.startswith("workflows")
    ]
    assert wrong == []


def has_reason(path, line):
    """A comment on the import's line, or just above the block of imports it stands in."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if "#" in lines[line - 1]:
        return True
    for above in reversed(lines[: line - 1]):
        text = above.strip()
        if text.startswith("#"):
            return True
        if not (text.startswith(("from ", "import ")) or text == ""):
            return False
    return False


def test_imports_inside_functions_say_why():
    silent = sorted(
        f"{module}:{line} imports {target}"
        for module, line, target, at_top in IMPORTS
        if not at_top and not has_reason(MODULES[module], line)
    )
    assert silent == []


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_room_is_named_in_architecture_md(app):
    assert f"`{app}/`" in (BASE / "ARCHITECTURE.md").read_text(encoding="utf-8")


# Issue 12: services and selectors carry type hints. The files done so far; add a file here once it is annotated.
ANNOTATED = [
    "accounts/permissions.py",
    "accounts/pii.py",
    "api/scan.py",
    "audit/selectors.py",
    "audit/services.py",
    "cases/rules.py",
    "cases/selectors.py",
    "cases/services/declarations.py",
    "cases/services/documents.py",
    "cases/services/labels.py",
    "cases/services/print_jobs.py",
    "cases/services/recalls.py",
    "core/jinja.py",
    "core/jinja_layout.py",
    "field/scan_log_buffer.py",
    "field/scan_sql.py",
    "field/selectors.py",
    "field/services/bookings.py",
    "field/services/clones.py",
    "field/services/common.py",
    "field/services/errors.py",
    "field/services/ignition.py",
    "field/services/labels.py",
    "field/services/permits.py",
    "field/services/sales.py",
    "field/services/scans.py",
    "field/services/supply_areas.py",
    "field/services/work.py",
    "remediation/selectors.py",
    "remediation/services/handling.py",
    "remediation/services/holidays.py",
    "remediation/services/sla.py",
    "remediation/services/timeline.py",
    "stats/selectors.py",
    "workflows/declaration/services.py",
    "workflows/recall/services.py",
]


def unannotated(tree):
    """`name(param)` for each public function or method (nested helpers aside) missing a parameter's or return's type."""
    missing = []

    def visit(body, prefix=""):
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name.startswith("_") and not (node.name.startswith("__") and node.name.endswith("__")):
                    continue
                args = node.args
                params = args.posonlyargs + args.args + args.kwonlyargs
                if (
                    prefix
                    and params
                    and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
                ):
                    params = params[1:]  # self / cls
                params += [a for a in (args.vararg, args.kwarg) if a is not None]
                missing.extend(f"{prefix}{node.name}({p.arg})" for p in params if p.annotation is None)
                if node.returns is None:
                    missing.append(f"{prefix}{node.name}() return")

    visit(tree.body)
    return missing


@pytest.mark.parametrize("path", ANNOTATED)
def test_services_and_selectors_are_typed(path):
    assert unannotated(ast.parse((BASE / path).read_text(encoding="utf-8"))) == []


# Services take keyword-only arguments (STYLE.md, after HackSoft's styleguide): the call names what it passes, so
# two ids cannot be swapped unseen and grepping `batch_id=` finds every operation on a batch. One positional
# parameter reads unambiguously (`find_label(code)`); a second, or a *args, must be named.
POSITIONAL_ALLOWED = {
    # A guard, not a write; its roles are a variable list, as in accounts.permissions.holds_role(user, *roles).
    "field/services/errors.py:require_role",
}


def service_files():
    """Every `services.py` and `services/*.py` of the project (hidden directories such as .venv aside)."""
    tops = [top for top in BASE.iterdir() if top.is_dir() and not top.name.startswith(".")]
    return sorted(
        path
        for top in tops
        for path in top.rglob("*.py")
        if path.name == "services.py" or path.parent.name == "services"
    )


def positional_services():
    """{"path:name": "(params)"} for each public top-level function of a services module with two or more
    positional parameters (a *args counts)."""
    found = {}
    for path in service_files():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                args = node.args
                positional = [a.arg for a in args.posonlyargs + args.args]
                positional += [f"*{args.vararg.arg}"] if args.vararg else []
                if len(positional) > 1:
                    found[f"{path.relative_to(BASE).as_posix()}:{node.name}"] = f"({', '.join(positional)})"
    return found


def test_services_take_keyword_only_arguments():
    scanned = {path.relative_to(BASE).as_posix() for path in service_files()}
    assert {"audit/services.py", "cases/services/batches.py", "workflows/declaration/services.py"} <= scanned
    found = positional_services()
    assert [f"{name}{params}" for name, params in found.items() if name not in POSITIONAL_ALLOWED] == []
    assert POSITIONAL_ALLOWED <= set(found)  # an exception that no longer applies leaves the list
