from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import approved_provider_required
from bookings.models import Booking
from chat.selectors import (
    ConversationPages,
    conversation_for_participant,
    message_payload,
    messages_before,
)
from chat.services import conversation_for_booking, conversation_start_for_offer
from servizo.converters import parse_id
from servizo.exceptions import DomainError
from servizo.pagination import page_of

CONVERSATIONS_PER_PAGE = 20


def _participant_conversation_or_404(request, pk: int):
    conversation = conversation_for_participant(user=request.user, pk=pk)
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


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
        },
    )


@require_GET
@login_required
def conversation_history(request, pk: int):
    """Older messages for "load earlier": `?before=<message id>`."""
    conversation = _participant_conversation_or_404(request, pk)
    before = parse_id(request.GET.get("before"))
    if before is None:
        return JsonResponse({"error": "Give ?before=<message id>."}, status=400)
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
