"""Operator console fixtures: staff in the Support and Finance groups (made by the data migration)."""

import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from accounts.tests.factories import UserFactory
from payments.tests.conftest import (  # noqa: F401 - fixtures reused by the console tests
    completed_booking,
    connect_provider,
    connected_provider,
    paid_booking,
    pay,
    save_card,
)
from payments.tests.test_reports import dated_history  # noqa: F401
from servizo.roles import FINANCE, SUPPORT, staff_groups_sync


def _staff_in(group: str):
    # A transactional test flushes the tables the data migration filled; make the groups again if so.
    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    staff_groups_sync(group_model=Group, permission_model=Permission)
    user = UserFactory(is_staff=True, full_name=f"{group} person")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def support_user(db):
    return _staff_in(SUPPORT)


@pytest.fixture
def finance_user(db):
    return _staff_in(FINANCE)
