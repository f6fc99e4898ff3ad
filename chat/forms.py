from django import forms
from django.conf import settings

from servizo.images import PhotoField


class PhotoMessageForm(forms.Form):
    """A photo sent in a conversation, with an optional caption (checked by servizo.images)."""

    photo = PhotoField()
    text = forms.CharField(required=False, max_length=settings.CHAT_MESSAGE_MAX_LENGTH, strip=True)
