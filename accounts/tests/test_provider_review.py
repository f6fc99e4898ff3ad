"""Provider verification: the service, the provider's status page and the admin queue."""

import re
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.urls import reverse

from accounts.models import ProviderProfile, ProviderStatusEvent, User
from accounts.services import provider_resubmit, provider_transition
from accounts.tests.conftest import PNG_BYTES, pdf_upload
from accounts.tests.factories import ProviderProfileFactory, UserFactory
from places.tests.factories import milan, prato
from servizo.exceptions import TransitionNotAllowed

Status = ProviderProfile.Status
CHANGELIST = "admin:accounts_providerprofile_changelist"


@pytest.fixture
def pending(db) -> ProviderProfile:
    return ProviderProfileFactory(status=Status.PENDING, document=pdf_upload())


def last_event(profile: ProviderProfile) -> ProviderStatusEvent:
    return ProviderStatusEvent.objects.filter(profile=profile).latest("id")


# --- the service ------------------------------------------------------------


@pytest.mark.django_db
def test_approval_writes_the_audit_row_and_emails_the_provider_on_commit(
    pending, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        provider_transition(profile_id=pending.pk, to_status=Status.APPROVED, actor=staff_user)
        assert not mail.outbox  # nothing is sent before the commit

    pending.refresh_from_db()
    assert pending.status == Status.APPROVED and pending.reviewed_at is not None
    event = last_event(pending)
    assert (event.actor, event.from_status, event.to_status) == (staff_user, Status.PENDING, Status.APPROVED)
    assert mail.outbox[-1].to == [pending.user.email]
    assert "approved" in mail.outbox[-1].subject


@pytest.mark.django_db
def test_rejection_needs_a_reason(pending, staff_user):
    with pytest.raises(TransitionNotAllowed):
        provider_transition(profile_id=pending.pk, to_status=Status.REJECTED, actor=staff_user, reason="  ")

    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert not ProviderStatusEvent.objects.filter(profile=pending).exists()


@pytest.mark.django_db
def test_a_provider_with_an_unconfirmed_email_cannot_be_reviewed(staff_user):
    profile = ProviderProfileFactory(status=Status.PENDING, user__verified=False)

    with pytest.raises(TransitionNotAllowed, match="confirmed their email"):
        provider_transition(profile_id=profile.pk, to_status=Status.APPROVED, actor=staff_user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "target"),
    [(Status.PENDING, Status.SUSPENDED), (Status.APPROVED, Status.REJECTED), (Status.SUSPENDED, Status.PENDING)],
)
def test_moves_outside_the_table_are_refused(staff_user, start, target):
    profile = ProviderProfileFactory(status=start)

    with pytest.raises(TransitionNotAllowed):
        provider_transition(profile_id=profile.pk, to_status=target, actor=staff_user, reason="because")


# --- the provider's status page and resubmission ------------------------------


@pytest.fixture
def rejected(pending, staff_user) -> ProviderProfile:
    provider_transition(profile_id=pending.pk, to_status=Status.REJECTED, actor=staff_user, reason="Document is blurry")
    pending.refresh_from_db()
    return pending


@pytest.mark.django_db
def test_rejected_provider_sees_the_reason_and_a_prefilled_form(client, rejected):
    client.force_login(rejected.user)

    response = client.get(reverse("dashboard"), follow=True)

    body = response.content.decode()
    assert "Document is blurry" in body and "Resubmit for review" in body
    assert 'value="Florence, IT"' in body and 'enctype="multipart/form-data"' in body


@pytest.mark.django_db
def test_rejected_provider_corrects_and_resubmits_with_a_new_document(
    client, rejected, settings, django_capture_on_commit_callbacks
):
    old_file = settings.PRIVATE_MEDIA_ROOT / rejected.document.name
    client.force_login(rejected.user)
    data = {
        "phone": "+39 333 1",
        "base_place": prato().pk,
        "service_radius_km": "30",
        "service_area": "Prato",
        "categories": list(rejected.categories.values_list("pk", flat=True)),
        "years_experience": "6",
        "bio": "Now with a sharp scan.",
        "document": pdf_upload("scan.png", PNG_BYTES),
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("provider_status"), data)

    assert response["Location"] == reverse("provider_status")
    rejected.refresh_from_db()
    assert (rejected.status, rejected.base_place.name, rejected.user.phone) == (Status.PENDING, "Prato", "+39 333 1")
    assert rejected.service_radius_km == 30
    assert rejected.document.name.endswith(".png") and not old_file.exists()
    event = last_event(rejected)
    assert (event.actor, event.from_status, event.to_status) == (rejected.user, Status.REJECTED, Status.PENDING)
    assert "submitted for review" in mail.outbox[-1].subject


@pytest.mark.django_db
def test_resubmission_may_keep_the_document(client, rejected):
    name = rejected.document.name
    client.force_login(rejected.user)
    data = {
        "phone": "+39 333 1",
        "base_place_text": "Florence",  # typed, without the typeahead: the one Florence is taken
        "service_radius_km": "25",
        "categories": list(rejected.categories.values_list("pk", flat=True)),
        "years_experience": "6",
    }

    client.post(reverse("provider_status"), data)

    rejected.refresh_from_db()
    assert rejected.status == Status.PENDING and rejected.document.name == name
    assert (rejected.document.storage.path(name)).endswith(name)


@pytest.mark.django_db
def test_resubmission_with_errors_changes_nothing(client, rejected):
    client.force_login(rejected.user)

    response = client.post(
        reverse("provider_status"), {"base_place_text": "", "categories": [], "years_experience": "x"}
    )

    assert response.status_code == 200
    assert {"base_place", "categories", "years_experience", "phone"} <= set(response.context["form"].errors)
    rejected.refresh_from_db()
    assert rejected.status == Status.REJECTED


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.PENDING, Status.SUSPENDED])
def test_only_a_rejected_provider_gets_the_form(client, status):
    profile = ProviderProfileFactory(status=status, status_reason="Complaints under review")
    client.force_login(profile.user)

    response = client.post(reverse("provider_status"), {"base_place_text": "Elsewhere"})

    assert response.status_code == 200 and response.context["form"] is None
    profile.refresh_from_db()
    assert profile.base_place.name == "Florence" and profile.status == status


@pytest.mark.django_db
def test_status_page_warns_about_an_unconfirmed_email(client):
    profile = ProviderProfileFactory(status=Status.PENDING, user__verified=False)
    client.force_login(profile.user)

    assert "Confirm your email address first" in client.get(reverse("provider_status")).content.decode()


# --- the admin queue ----------------------------------------------------------


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_queue_lists_pending_first_with_categories_and_document_link(client, staff_user, django_assert_max_num_queries):
    approved = [ProviderProfileFactory(document=pdf_upload()) for _ in range(3)]
    pending = ProviderProfileFactory(status=Status.PENDING, base_place=prato(), document=pdf_upload())
    client.force_login(staff_user)

    with django_assert_max_num_queries(12):
        response = client.get(reverse(CHANGELIST))

    rows = list(response.context["cl"].result_list)
    assert rows[0] == pending and set(rows[1:]) == set(approved)
    body = response.content.decode()
    assert "Electrician, Plumber" in body and "Prato, IT" in body
    assert reverse("provider_document", args=[pending.pk]) in body


@pytest.mark.django_db
def test_admin_approve_action(client, staff_user, pending, django_capture_on_commit_callbacks):
    client.force_login(staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST), {"action": "approve", "_selected_action": [pending.pk]}, follow=True
        )

    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    assert last_event(pending).actor == staff_user
    assert "1 provider now approved" in response.content.decode()
    assert mail.outbox[-1].to == [pending.user.email]


@pytest.mark.django_db
def test_admin_reject_asks_for_a_reason_first(client, staff_user, pending, django_capture_on_commit_callbacks):
    client.force_login(staff_user)
    action = {"action": "reject", "_selected_action": [pending.pk]}

    form_page = client.post(reverse(CHANGELIST), action)
    assert form_page.status_code == 200 and b'name="reason"' in form_page.content

    empty = client.post(reverse(CHANGELIST), {**action, "apply": "1", "reason": ""})
    assert empty.status_code == 200 and empty.context["form"].errors["reason"]
    pending.refresh_from_db()
    assert pending.status == Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse(CHANGELIST), {**action, "apply": "1", "reason": "ID unreadable"}, follow=True)

    pending.refresh_from_db()
    assert (pending.status, pending.status_reason) == (Status.REJECTED, "ID unreadable")
    event = last_event(pending)
    assert (event.actor, event.reason) == (staff_user, "ID unreadable")
    assert "now rejected" in done.content.decode()
    assert "ID unreadable" in mail.outbox[-1].body


@pytest.mark.django_db
def test_admin_suspend_and_reinstate_with_reasons(client, staff_user):
    profile = ProviderProfileFactory()
    client.force_login(staff_user)

    client.post(
        reverse(CHANGELIST),
        {"action": "suspend", "_selected_action": [profile.pk], "apply": "1", "reason": "No-shows"},
    )
    profile.refresh_from_db()
    assert (profile.status, profile.status_reason) == (Status.SUSPENDED, "No-shows")

    client.post(
        reverse(CHANGELIST),
        {"action": "reinstate", "_selected_action": [profile.pk], "apply": "1", "reason": "Explained"},
    )
    profile.refresh_from_db()
    assert profile.status == Status.APPROVED
    assert list(profile.events.values_list("to_status", flat=True)) == [Status.SUSPENDED, Status.APPROVED]


@pytest.mark.django_db
def test_admin_action_reports_providers_it_could_not_move(client, staff_user, pending):
    approved = ProviderProfileFactory()
    unverified = ProviderProfileFactory(status=Status.PENDING, user__verified=False)
    client.force_login(staff_user)

    response = client.post(
        reverse(CHANGELIST),
        {"action": "approve", "_selected_action": [pending.pk, approved.pk, unverified.pk]},
        follow=True,
    )

    body = response.content.decode()
    assert "1 provider now approved" in body
    assert f"{approved.user.email}: is approved" in body
    assert f"{unverified.user.email}: The provider has not confirmed their email address yet." in body
    unverified.refresh_from_db()
    assert unverified.status == Status.PENDING


@pytest.mark.django_db
def test_review_actions_need_the_review_permission(client, pending):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_providerprofile"))
    client.force_login(viewer)

    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert b'value="approve"' not in response.content

    client.post(reverse(CHANGELIST), {"action": "approve", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


@pytest.mark.django_db
def test_change_page_shows_the_read_only_event_log(client, staff_user, rejected):
    client.force_login(staff_user)

    response = client.get(reverse("admin:accounts_providerprofile_change", args=[rejected.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Document is blurry" in body and reverse("provider_document", args=[rejected.pk]) in body
    assert 'name="events-0-reason"' not in body


# --- the users admin ----------------------------------------------------------


@pytest.mark.django_db
def test_admin_adds_a_user_with_a_hashed_password(client, staff_user):
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new@example.com",
            "full_name": "New Person",
            "role": "customer",
            "usable_password": "true",
            "password1": "Strong-pass-word-1",
            "password2": "Strong-pass-word-1",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.check_password("Strong-pass-word-1") and user.password != "Strong-pass-word-1"


@pytest.mark.django_db
def test_admin_changes_a_user_and_their_password(client, staff_user):
    user = ProviderProfileFactory().user
    client.force_login(staff_user)

    change = client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert change.status_code == 200 and b"pbkdf2" not in change.content.lower()

    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "Changed-by-ops-22", "password2": "Changed-by-ops-22", "usable_password": "true"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Changed-by-ops-22")


# --- the resubmission service and concurrent reviews ----------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.PENDING, Status.APPROVED, Status.SUSPENDED])
def test_resubmit_service_refuses_anything_but_a_rejected_application(status):
    profile = ProviderProfileFactory(status=status)

    with pytest.raises(TransitionNotAllowed):
        provider_resubmit(
            profile_id=profile.pk,
            actor=profile.user,
            phone="+1",
            base_place=milan(),
            service_radius_km=10,
            service_area="",
            categories=[],
            years_experience=1,
            bio="",
        )

    profile.refresh_from_db()
    assert (profile.status, profile.base_place.name, profile.categories.count()) == (status, "Florence", 2)
    assert not profile.events.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_two_operators_deciding_at_once_produce_exactly_one_decision(staff_user):
    """Approve and reject race on real MariaDB: the row lock lets one win; the other is refused."""
    profile = ProviderProfileFactory(status=Status.PENDING)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(to_status):
        try:
            barrier.wait()
            provider_transition(profile_id=profile.pk, to_status=to_status, actor=staff_user, reason="race")
            outcomes.append(to_status)
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(s,)) for s in (Status.APPROVED, Status.REJECTED)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == 2 and outcomes.count("refused") == 1
    profile.refresh_from_db()
    assert profile.events.count() == 1
    assert profile.status == profile.events.get().to_status


# --- from the provider's own admin page -----------------------------------------


def _post_button(client, page: str, action: str, **extra):
    """Post what the page's review button posts (its hidden form), as the browser would."""
    assert f'id="review-{action}"' in page
    pk = re.search(r'name="_selected_action" value="(\d+)"', page)[1]
    data = {"action": action, "index": "0", "_selected_action": pk, **extra}
    return client.post(reverse(CHANGELIST), data, follow=True)


@pytest.mark.django_db
def test_support_approves_from_the_providers_page_through_the_list_action(
    client, pending, support_user, django_capture_on_commit_callbacks
):
    client.force_login(support_user)
    page = client.get(reverse("admin:accounts_providerprofile_change", args=[pending.pk])).content.decode()
    assert 'id="review-buttons"' in page and ">Approve</button>" in page and ">Reject…</button>" in page
    assert "Suspend…" not in page  # only the moves open from "pending"

    with django_capture_on_commit_callbacks(execute=True):
        response = _post_button(client, page, "approve")

    assert b"1 provider now approved" in response.content
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    assert (last_event(pending).actor, last_event(pending).to_status) == (support_user, Status.APPROVED)
    page = client.get(reverse("admin:accounts_providerprofile_change", args=[pending.pk])).content.decode()
    assert ">Suspend…</button>" in page and "review-approve" not in page


@pytest.mark.django_db
def test_support_rejects_from_the_providers_page_with_a_reason(client, pending, support_user):
    client.force_login(support_user)
    page = client.get(reverse("admin:accounts_providerprofile_change", args=[pending.pk])).content.decode()

    reason_page = _post_button(client, page, "reject")
    assert b"reason" in reason_page.content.lower()
    _post_button(client, page, "reject", apply="1", reason="The document is unreadable.")

    pending.refresh_from_db()
    assert (pending.status, pending.status_reason) == (Status.REJECTED, "The document is unreadable.")
    assert last_event(pending).actor == support_user


@pytest.mark.django_db
def test_staff_who_may_only_read_providers_see_no_review_buttons(client, pending, finance_user):
    client.force_login(finance_user)
    page = client.get(reverse("admin:accounts_providerprofile_change", args=[pending.pk]))
    assert page.status_code == 200 and b'id="review-buttons"' not in page.content
