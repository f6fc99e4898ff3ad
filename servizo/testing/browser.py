"""pytest plugin: Playwright on Debian's Chromium (owned by the accounts/foundation work)."""
