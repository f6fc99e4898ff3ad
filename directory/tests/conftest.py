from accounts.tests.conftest import urdu, urdu_catalog  # noqa: F401  (fixtures shared with accounts' Urdu tests)
