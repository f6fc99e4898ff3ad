"""pytest plugin: a localstripe server per test session (owned by payments work)."""
