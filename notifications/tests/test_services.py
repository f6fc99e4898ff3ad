import pytest

from notifications.models import Notification
from notifications.selectors import notification_unread_exists, notifications_for
from notifications.services import SUBJECT_MAX_CHARS, email_subject, notification_create, notification_mark_all_read

pytestmark = pytest.mark.django_db


def test_email_subject_is_one_line_whatever_the_text_holds(customer, django_capture_on_commit_callbacks, mailoutbox):
    # Given a notification quoting a user's multi-line booking note
    text = "Booking #1 is now\ncancelled\r\nby the\x0bcustomer. Note: roof leaks"

    # When it is created with an email, and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(recipient=customer, kind="booking_cancelled", text=text, email=True)

    # Then the email goes out (a header with a line break raised BadHeaderError: a 500 after commit)
    (email,) = mailoutbox
    assert email.subject == "[Servizo] Booking #1 is now cancelled by the customer"
    assert email.body.startswith(text + "\n\n-- \n")


@pytest.mark.parametrize(
    "text, subject",
    [
        (
            "Payment of $120.00 received for “Tap”. It is held in escrow.",
            "[Servizo] Payment of $120.00 received for “Tap”",
        ),
        (
            "Decision on “Fix the kitchen lights and the garden lamps”: refund everything to the customer, $120.00",
            "[Servizo] Decision on “Fix the kitchen lights and the garden lamps”: refund…",
        ),
        ("x" * 100, "[Servizo] " + "x" * 67 + "…"),
    ],
)
def test_email_subjects_are_short_and_never_cut_mid_word(text, subject):
    assert email_subject(text) == subject
    assert len(email_subject(text)) <= SUBJECT_MAX_CHARS


def test_other_apps_read_and_mark_notifications_of_one_kind_and_link_only(customer, provider):
    # Given two unread notices for one link, one of another kind, and one of another user
    chat = notification_create(recipient=customer, kind="chat_message", text="New message", link="/chat/1/")
    other_thread = notification_create(recipient=customer, kind="chat_message", text="New message", link="/chat/2/")
    booking = notification_create(recipient=customer, kind="booking_scheduled", text="Paid", link="/chat/1/")
    theirs = notification_create(recipient=provider, kind="chat_message", text="New message", link="/chat/1/")
    assert notification_unread_exists(recipient=customer, kind="chat_message", link="/chat/1/")

    # When the customer reads thread 1
    changed = notification_mark_all_read(recipient=customer, kind="chat_message", link="/chat/1/")

    # Then only that notice is read
    assert changed == 1
    assert not notification_unread_exists(recipient=customer, kind="chat_message", link="/chat/1/")
    unread = set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))
    assert unread == {other_thread.pk, booking.pk, theirs.pk}
    assert chat.pk not in unread
    assert list(notifications_for(recipient=provider)) == [theirs]
