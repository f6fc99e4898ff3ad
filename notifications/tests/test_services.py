import pytest

from notifications.services import notification_create

pytestmark = pytest.mark.django_db


def test_email_subject_is_one_line_whatever_the_text_holds(customer, django_capture_on_commit_callbacks, mailoutbox):
    # Given a notification quoting a user's multi-line booking note
    text = "Booking #1 is now cancelled. Note: roof\nleaks\r\nagain\x0bsoon"

    # When it is created with an email, and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(recipient=customer, kind="booking_cancelled", text=text, email=True)

    # Then the email goes out (a header with a line break raised BadHeaderError: a 500 after commit)
    (email,) = mailoutbox
    assert email.subject == "[Servizo] Booking #1 is now cancelled. Note: roof leaks again soon"
    assert email.body == text
