"""Draw the app dependency graph from the imports in the code (no Django needed: reads files with `ast`).

    python scripts/app_graph.py            # one line per app: the apps it imports
    python scripts/app_graph.py --edges    # one line per import: app -> app  file:line

Tests (`*/tests/`), migrations and `apps.py` (hook registration in `ready()`) are left out: the graph
shows what the running code of one app needs from another. The project package's wiring (root
urls, routing, asgi, its test-support package) is shown on its own line, `servizo (wiring)`.
servizo/tests/test_layering.py checks the graph against the intended order.
"""

import argparse
import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Everything that is a Django app or the project package; other top-level folders are tools.
APPS = (
    "servizo",
    "accounts",
    "directory",
    "notifications",
    "places",
    "offers",
    "bookings",
    "disputes",
    "payments",
    "chat",
    "reviews",
    "console",
)
# The only files of the floor package allowed to import apps: they plug the apps into the project.
FLOOR_WIRING = ("servizo/urls.py", "servizo/routing.py", "servizo/asgi.py", "servizo/testing/")


@dataclass(frozen=True)
class Import:
    source: str  # app doing the import
    target: str  # app imported
    path: str  # file, relative to the repository root
    line: int

    @property
    def is_wiring(self) -> bool:
        return self.source == "servizo" and self.path.startswith(FLOOR_WIRING)


def is_skipped(relative: Path) -> bool:
    """Tests, migrations and apps.py are not part of an app's running dependencies."""
    parts = relative.parts
    return "tests" in parts or "migrations" in parts or parts[-1] == "apps.py"


def _module_targets(node: ast.AST, module_parts: list[str]) -> list[str]:
    """Top-level package names an import statement refers to (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level == 0:
            return [node.module.split(".")[0]] if node.module else []
        return [module_parts[0]]  # a relative import stays inside its own app
    return []


def imports(root: Path = ROOT) -> list[Import]:
    """Every import from one app into another in the apps' non-test code."""
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")) if (root / app).is_dir() else []:
            relative = path.relative_to(root)
            if is_skipped(relative):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
            for node in ast.walk(tree):
                for target in _module_targets(node, list(relative.parts)):
                    if target in APPS and target != app:
                        found.append(Import(app, target, relative.as_posix(), node.lineno))
    return found


def graph(found: list[Import], root: Path = ROOT) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {app: set() for app in APPS if (root / app).is_dir()}
    edges["servizo (wiring)"] = set()
    for item in found:
        edges.setdefault("servizo (wiring)" if item.is_wiring else item.source, set()).add(item.target)
    return edges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", action="store_true", help="list every import with its file and line")
    parser.add_argument("--root", type=Path, default=ROOT, help="a checkout to draw (default: this one)")
    args = parser.parse_args()
    found = imports(args.root)
    if args.edges:
        for item in sorted(found, key=lambda i: (i.source, i.target, i.path, i.line)):
            print(f"{item.source} -> {item.target}  {item.path}:{item.line}")
        return
    for app, targets in graph(found, args.root).items():
        print(f"{app:<17} -> {', '.join(sorted(targets)) or '(nothing)'}")


if __name__ == "__main__":
    main()
