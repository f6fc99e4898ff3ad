"""Moving free-text cities (before places existed) onto places: used by migrations and `match_places`.

A text matches the place having it as a name (alternate names and codes included, accents and case
ignored); when several places share the name the most populous wins ("Florence" -> Florence, IT).
Rows whose text matches nothing keep an empty place and their text, for the report.
"""

from dataclasses import dataclass, field

from places.loader import load_places, select_cities
from places.names import name_key


@dataclass
class MatchReport:
    matched: int = 0
    unmatched: dict[str, int] = field(default_factory=dict)  # the text as typed -> rows


def best_place_ids(texts: set[str], *, place_name_model) -> dict[str, int]:
    """For each text, the id of the most populous place having it as a name (texts matching none left out)."""
    keys = {text: name_key(text) for text in texts}
    best: dict[str, tuple[int, int]] = {}  # key -> (population, place id)
    rows = place_name_model.objects.filter(key__in=set(keys.values())).values_list("key", "place_id", "population")
    for key, place_id, population in rows:
        if key not in best or (population, -place_id) > (best[key][0], -best[key][1]):
            best[key] = (population, place_id)
    return {text: best[key][1] for text, key in keys.items() if key in best}


def match_free_text(model, *, place_field: str, text_field: str, place_name_model) -> MatchReport:
    """Set `place_field` from `text_field` on the rows of `model` that have text and no place yet."""
    pending = model.objects.filter(**{f"{place_field}__isnull": True}).exclude(**{text_field: ""})
    texts = set(pending.values_list(text_field, flat=True).distinct())
    place_ids = best_place_ids(texts, place_name_model=place_name_model)
    report = MatchReport()
    for text in texts:
        rows = pending.filter(**{text_field: text})
        if text in place_ids:
            report.matched += rows.update(**{f"{place_field}_id": place_ids[text]})
        else:
            report.unmatched[text] = rows.count()
    return report


def ensure_places_loaded(*, place_model, place_name_model) -> None:
    """Load the whole dataset if no place is loaded yet (a migration with rows to match needs them)."""
    if not place_model.objects.exists():
        load_places(select_cities(), place_model=place_model, name_model=place_name_model)
