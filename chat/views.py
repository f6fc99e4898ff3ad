from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import approved_provider_required
from bookings.models import Booking
from chat.forms import PhotoMessageForm
from chat.selectors import (
    ConversationPages,
    chat_photo_for_viewer,
    conversation_for_participant,
    message_payload,
    messages_before,
)
from chat.services import RateLimited, conversation_for_booking, conversation_start_for_offer, message_send_photo
from servizo.converters import parse_id
from servizo.exceptions import DomainError
from servizo.files import private_file_response
from servizo.pagecache import page_cache
from servizo.pagination import page_of

CONVERSATIONS_PER_PAGE = 20


def _participant_conversation_or_404(request, pk: int):
    conversation = conversation_for_participant(user=request.user, pk=pk)
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


@page_cache()
@login_required
def conversation_list_view(request):
    page = page_of(
        ConversationPages(user=request.user), per_page=CONVERSATIONS_PER_PAGE, number=request.GET.get("page")
    )
    return render(request, "chat/list.html", {"page": page})


@login_required
def conversation_detail(request, pk: int):
    conversation = _participant_conversation_or_404(request, pk)
    history, more = messages_before(conversation=conversation)
    other = conversation.other_party(request.user)
    other_read_up_to = getattr(conversation, conversation.read_pointer_field(other))
    return render(
        request,
        "chat/conversation.html",
        {
            "conversation": conversation,
            "other": other,
            "history": [message_payload(m) for m in history],
            "more": more,
            "other_read_up_to": other_read_up_to,
            "max_length": settings.CHAT_MESSAGE_MAX_LENGTH,
            "photo_form": PhotoMessageForm(),
        },
    )


@require_GET
@login_required
def conversation_history(request, pk: int):
    """Older messages for "load earlier": `?before=<message id>`."""
    conversation = _participant_conversation_or_404(request, pk)
    before = parse_id(request.GET.get("before"))
    if before is None:
        return JsonResponse({"error": _("Give ?before=<message id>.")}, status=400)
    history, more = messages_before(conversation=conversation, before_id=before)
    return JsonResponse({"messages": [message_payload(m) for m in history], "more": more})


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@require_POST
@approved_provider_required
def conversation_ask(request, offer_pk: int):
    """A provider opens (or returns to) their question thread on an open offer."""
    try:
        conversation = conversation_start_for_offer(offer_id=offer_pk, provider=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return _back(request, "chat:list")
    return redirect(conversation)


@require_POST
@login_required
def conversation_for_booking_view(request, booking_pk: int):
    """Open the booking's conversation (for bookings made before chat existed, it is created here)."""
    booking = get_object_or_404(Booking, pk=booking_pk)
    if request.user.pk not in (booking.customer_id, booking.provider_id):
        raise Http404("No such booking.")
    return redirect(conversation_for_booking(booking=booking))


@require_POST
@login_required
def conversation_photo_send(request, pk: int):
    """Send a photo (optional caption) from the conversation page: JSON {message} (201) or {error} (400/429).

    The message reaches both sides' sockets like a typed one (chat.services.message_send_photo).
    """
    conversation = _participant_conversation_or_404(request, pk)
    form = PhotoMessageForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = " ".join(error for field_errors in form.errors.values() for error in field_errors)
        return JsonResponse({"error": errors}, status=400)
    try:
        message = message_send_photo(
            conversation=conversation,
            sender=request.user,
            photo=form.cleaned_data["photo"],
            text=form.cleaned_data["text"],
        )
    except DomainError as error:
        return JsonResponse({"error": str(error)}, status=429 if isinstance(error, RateLimited) else 400)
    return JsonResponse({"message": message_payload(message)}, status=201)


@never_cache
@login_required
def chat_photo(request, pk: int, thumbnail: bool = False):
    """A photo sent in a conversation, for its two parties and staff who may read conversations; else 404."""
    photo = chat_photo_for_viewer(user=request.user, photo_id=pk)
    return private_file_response(photo.thumbnail if thumbnail else photo.image, content_type=photo.content_type)
