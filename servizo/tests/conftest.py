"""Operator console fixtures: staff in the Support and Finance groups (made by the data migration)."""

import pytest
from django.contrib.auth.models import Group

from accounts.tests.factories import UserFactory
from payments.tests.conftest import (  # noqa: F401 - fixtures reused by the console tests
    completed_booking,
    connect_provider,
    connected_provider,
    paid_booking,
    pay,
    save_card,
)
from servizo.roles import FINANCE, SUPPORT


def _staff_in(group: str):
    user = UserFactory(is_staff=True, full_name=f"{group} person")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def support_user(db):
    return _staff_in(SUPPORT)


@pytest.fixture
def finance_user(db):
    return _staff_in(FINANCE)
