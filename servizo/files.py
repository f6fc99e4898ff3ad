"""The one way a private file leaves the server: after the calling view has authorized the request.

Behind nginx (`PRIVATE_MEDIA_ACCEL_REDIRECT` set) the response only names the file and nginx sends it
from its internal location; otherwise Django streams it. Either way the browser is told not to sniff
the type or run anything in it.
"""

from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def private_file_response(
    stored: FieldFile, *, content_type: str, filename: str | None = None, max_age: int | None = None
) -> HttpResponse:
    """The file `stored` (on PrivateMediaStorage) as a response; 404 when it is missing.

    `max_age` lets the browser keep it that many seconds (private cache only); None: never cached.
    """
    if not stored:
        raise Http404
    if settings.PRIVATE_MEDIA_ACCEL_REDIRECT:
        if not stored.storage.exists(stored.name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_REDIRECT + quote(stored.name)
        if filename:
            response["Content-Disposition"] = content_disposition_header(False, filename)
    else:
        try:
            file = stored.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(file, content_type=content_type, as_attachment=False, filename=filename or "")
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    if max_age is None:
        response["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
    else:
        response["Cache-Control"] = f"private, max-age={max_age}"
    return response
