"""pytest plugin: a daphne live server on the test database, for WebSocket journeys (owned by chat work)."""
