"""One log line per request, and the JSON formatter production logs with.

`RequestLogMiddleware` (outermost, so the duration covers every other middleware) logs method, path,
status, duration and user id on the `servizo.request` logger, and tags the request with an id: the
one nginx sends as X-Request-ID (its `$request_id`, also in nginx's access log) or a fresh one. The id
goes back in the response's X-Request-ID. The user id is logged only when the request already
resolved who it is: the log line never loads a session on its own (static files, /healthz).

`JsonFormatter` writes each record as one JSON object: time, level, logger, message and any `extra=`.
"""

import json
import logging
import time
import uuid
from datetime import UTC, datetime

from django.utils.functional import empty

logger = logging.getLogger("servizo.request")

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _resolved_user_id(request) -> int | None:
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        fields = {
            "request_id": request.request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": _resolved_user_id(request),
        }
        logger.info("%(method)s %(path)s %(status)s %(duration_ms)sms", fields, extra=fields)
        return response


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
