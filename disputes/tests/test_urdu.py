"""The dispute pages in Urdu (issue 16)."""

import pytest
from django.urls import reverse

from disputes.models import Dispute
from disputes.photos import photos_prepare
from disputes.services import dispute_open

from .conftest import image_upload

pytestmark = pytest.mark.django_db


def test_the_report_form_asks_in_urdu_and_its_errors_are_in_urdu(urdu_client, done_booking):
    urdu_client.force_login(done_booking.customer)
    url = reverse("disputes:open", args=[done_booking.pk])

    page = urdu_client.get(url).content.decode()
    refused = urdu_client.post(url, {"reason": Dispute.Reason.DAMAGE, "description": ""}).content.decode()

    assert f"“{done_booking.title}” کے بارے میں مسئلہ رپورٹ کریں" in page  # the heading
    assert "کیا غلط ہوا؟" in page  # What went wrong?
    assert "کسی چیز کو نقصان پہنچا" in page  # the reason "Something was damaged"
    assert ">مسئلہ رپورٹ کریں</button>" in page
    assert "یہ خانہ درکار ھے۔" in refused  # Django's own "This field is required." in Urdu
    assert not Dispute.objects.exists()


def test_both_parties_read_the_dispute_panel_in_urdu(urdu_client, done_booking):
    dispute_open(
        booking_id=done_booking.pk,
        customer=done_booking.customer,
        reason=Dispute.Reason.NO_SHOW,
        description="Nobody came.",
        photos=photos_prepare([image_upload("door.jpg")]),
    )

    pages = {}
    for party in (done_booking.customer, done_booking.provider):
        urdu_client.force_login(party)
        pages[party] = urdu_client.get(done_booking.get_absolute_url()).content.decode()

    for page in pages.values():
        assert '<h2 class="h5 mb-0">مسئلہ رپورٹ کیا گیا</h2>' in page  # Problem reported
        assert 'id="dispute-status">فراہم کنندہ کے جواب کا انتظار</span>' in page
        assert '<dd class="col-sm-8">فراہم کنندہ نہیں آیا</dd>' in page  # the reason
        assert "فراہم کنندہ اپنے بیان اور تصاویر کے ساتھ ایک بار جواب دے سکتا ہے۔" in page  # what happens next
        assert 'alt="گاہک کی تصویر 1"' in page
        assert ">متنازع</span>" in page  # the booking's status badge
    assert "تک جواب دیں</a>" in pages[done_booking.provider]  # Respond by …
