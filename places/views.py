from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from places.selectors import place_search


@require_GET
def search(request: HttpRequest) -> JsonResponse:
    """The typeahead: `?q=flor` -> up to 10 places, exact names first, then by population."""
    places = place_search(query=request.GET.get("q", "")[:100])
    return JsonResponse({"results": [{"id": place.pk, "label": place.label} for place in places]})
