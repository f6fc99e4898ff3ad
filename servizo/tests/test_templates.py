"""Templates ask models about their state through properties (`booking.is_closed`), never status literals."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

# `x.status == "done"`, `status != 'open'`, `x.status in "..."` and the same with the literal first.
STATUS_LITERAL = re.compile(
    r"""status\s*(==|!=|\bin\b|\bnot\s+in\b)\s*["']|["'][^"']*["']\s*(==|!=)\s*[\w.]*status\b"""
)


def _template_files() -> list[Path]:
    """The project's own templates: the shared directory and those inside our apps (not third-party ones)."""
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    ours = [Path(app.path) for app in apps.get_app_configs() if Path(app.path).is_relative_to(settings.BASE_DIR)]
    roots += [path / "templates" for path in ours]
    return sorted(path for root in roots if root.is_dir() for path in root.rglob("*.html"))


def test_no_template_compares_a_status_with_a_literal():
    files = _template_files()
    assert files
    offending = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if STATUS_LITERAL.search(line)
    ]
    assert offending == []
