import pytest
from django.urls import reverse

from places.models import Place
from places.names import name_key
from places.selectors import place_best_match, place_search

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["Firenze", "FIRENZE", "Florence", "flr", "  Firenze ", "Florença", "Флоренция"])
def test_florence_is_found_by_its_names_in_any_language_case_and_its_code(florences, typed):
    assert place_search(query=typed)[0] == florences["IT"]


def test_a_shared_name_lists_each_place_with_a_label_that_tells_them_apart(florences):
    labels = [place.label for place in place_search(query="Florence")]

    assert labels[0] == "Florence, IT"  # exact name, most populous first
    assert {"Florence, Alabama, US", "Florence, South Carolina, US", "Florence, Kentucky, US"} <= set(labels)
    assert len(labels) == len(set(labels)) == 1 + len(florences["US"])


def test_a_prefix_finds_places_and_each_place_once(florences):
    found = place_search(query="flor")
    assert florences["IT"] in found and len(found) == len(set(found))
    assert place_search(query="f") == []  # too short to ask
    assert place_search(query="zzzz") == []


def test_a_free_text_city_is_matched_to_the_most_populous_place_of_that_name(florences):
    assert place_best_match("florence") == florences["IT"]
    assert place_best_match("Firenze") == florences["IT"]
    assert place_best_match("Atlantis") is None
    assert place_best_match("   ") is None


def test_names_compare_without_case_accents_or_extra_spaces():
    assert name_key("  FORLÌ ") == "forli"
    assert name_key("Zürich") == name_key("zurich") == "zurich"
    assert name_key("Straße") == "strasse"
    assert name_key("San   Marino") == "san marino"


@pytest.mark.usefixtures("no_page_cache")
def test_the_typeahead_endpoint_answers_json_in_two_queries(client, florences, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(reverse("places:search"), {"q": "Firenze"})

    assert response.status_code == 200
    assert response.json()["results"][0] == {"id": florences["IT"].pk, "label": "Florence, IT"}
    assert client.get(reverse("places:search"), {"q": "x"}).json() == {"results": []}
    assert client.get(reverse("places:search")).json() == {"results": []}
    assert client.post(reverse("places:search"), {"q": "Firenze"}).status_code == 405


def test_loading_again_changes_nothing(florences):
    from places.loader import load_places, select_cities

    names = florences["IT"].names.count()
    load_places(select_cities(geoname_ids=[florences["IT"].geoname_id]))

    assert Place.objects.filter(name="Florence").count() == 1 + len(florences["US"])
    assert florences["IT"].names.count() == names
    florences["IT"].refresh_from_db()
    assert (florences["IT"].time_zone, florences["IT"].country_code) == ("Europe/Rome", "IT")


def test_the_place_field_takes_a_typed_label_without_javascript(florences):
    from places.forms import PlaceField

    field = PlaceField()
    alabama = next(place for place in florences["US"] if place.admin_region == "Alabama")

    assert field.clean(("", "Florence, Alabama, US")) == alabama
    assert field.clean(("", "firenze")) == florences["IT"]
    assert field.clean((str(alabama.pk), "anything")) == alabama  # the typeahead's choice wins
