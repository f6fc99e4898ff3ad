"""A category's name on pages: its Urdu name on Urdu pages when it has one, else its English name."""

import pytest
from django.utils import translation

from accounts.models import ServiceCategory
from accounts.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_display_name_follows_the_active_language_and_falls_back_to_english():
    named = CategoryFactory(name="Gardener", name_ur="مالی")
    unnamed = CategoryFactory(name="Locksmith")

    with translation.override("ur"):
        urdu = (named.display_name, str(named), unnamed.display_name)
    with translation.override("en"):
        english = (named.display_name, str(named), unnamed.display_name)

    assert urdu == ("مالی", "مالی", "Locksmith")
    assert english == ("Gardener", "Gardener", "Locksmith")


def test_the_seeded_categories_have_urdu_names():
    names = dict(ServiceCategory.objects.values_list("slug", "name_ur"))

    assert names["electrician"] == "الیکٹریشن" and names["plumber"] == "پلمبر"
    assert all(names[slug] for slug in ("cleaner", "carpenter", "painter", "ac-appliance-technician", "handyman"))
