"""The apps depend on each other in one direction only (README, "Layout"; scripts/app_graph.py draws it).

    servizo (floor)  <  notifications | places  <  accounts  <  directory  <  offers  <  bookings  <  disputes
        <  payments | chat | reviews  <  console

An app may import only apps on a lower level. payments, chat and reviews are siblings on one level
and do not import one another (none needs to today): a flow that spans two of them goes through a
hook the lower app offers and the other registers in `apps.py`, or up into the console.
`servizo` is the floor: it imports no app, except the wiring in urls.py/routing.py/asgi.py and its
test-support package servizo/testing/. `apps.py` files (hook registration in `ready()`), tests and
migrations are not checked.
"""

import importlib.util
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("app_graph", ROOT / "scripts" / "app_graph.py")
app_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(app_graph)

LEVELS = {
    "servizo": 0,
    "notifications": 1,
    "places": 1,  # cities and distance (issue 15); knows no other app
    "accounts": 2,
    "directory": 2.5,  # the public provider directory: its rows are written by offers, bookings and reviews
    "offers": 3,
    "bookings": 4,
    "disputes": 5,  # a customer's report on a booking; payments' settle page and reviews read it
    "payments": 6,
    "chat": 6,
    "reviews": 6,
    "console": 7,
}


def violations(found) -> list:
    """Imports that point from an app to one on the same or a higher level."""
    bad = []
    for item in found:
        if item.is_wiring:  # servizo's urls.py, routing.py, asgi.py and testing/ plug the apps in
            continue
        if LEVELS[item.target] >= LEVELS[item.source]:
            bad.append(item)
    return bad


def _report(items) -> str:
    return "\n".join(f"{i.path}:{i.line}  {i.source} -> {i.target}" for i in items)


def test_every_project_app_has_a_level():
    local_apps = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()}
    assert local_apps <= set(LEVELS), f"give {local_apps - set(LEVELS)} a level here and in scripts/app_graph.py"
    assert set(LEVELS) == set(app_graph.APPS)


def test_no_app_imports_one_on_its_own_or_a_higher_level():
    bad = violations(app_graph.imports())

    assert not bad, "imports against the layering:\n" + _report(bad)


def test_the_check_sees_upward_and_sideways_imports_including_ones_inside_functions(tmp_path):
    files = {
        "accounts/services.py": "def f():\n    from bookings.models import Booking\n",
        "chat/views.py": "import payments.selectors\n",
        "payments/views.py": "from bookings import selectors\nfrom . import forms\n",
        "payments/apps.py": "from chat import hooks\n",  # hook registration: allowed
        "bookings/tests/test_x.py": "import payments\n",  # tests: not checked
        "servizo/urls.py": "from payments import views\n",  # wiring: allowed
        "servizo/views.py": "from accounts.selectors import category_list_active\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    bad = violations(app_graph.imports(tmp_path))

    assert sorted((i.path, i.line, i.target) for i in bad) == [
        ("accounts/services.py", 2, "bookings"),
        ("chat/views.py", 1, "payments"),
        ("servizo/views.py", 1, "accounts"),
    ]
