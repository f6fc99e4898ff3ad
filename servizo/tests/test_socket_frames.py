"""Every socket answers any client frame (binary, huge, deep, invalid Unicode, wrong types) with an
error frame and stays open: the next valid frame still gets its answer."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import CategoryFactory, CustomerFactory, ProviderFactory
from chat.tests.factories import ConversationFactory
from chat.tests.sockets import chat_communicator

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 3

# Characters of every category, lone surrogates and control characters included.
ANY_CHAR = st.characters(codec=None, categories=None)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(ANY_CHAR, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(ANY_CHAR, max_size=8), inner, max_size=4),
    max_leaves=12,
)
CHAT_FRAMES = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "read", "resync", "typing", "nope"]) | JSON_VALUES},
    optional={"text": JSON_VALUES, "up_to": JSON_VALUES, "after": JSON_VALUES, "client_id": JSON_VALUES},
)


def _nested(depth: int) -> str:
    return '{"type": "message", "text": ' + "[" * depth + "]" * depth + "}"


FRAMES = st.one_of(
    st.binary(max_size=64).map(lambda data: ("bytes", data)),
    st.text(ANY_CHAR, max_size=64).map(lambda text: ("text", text)),
    JSON_VALUES.map(lambda value: ("text", json.dumps(value))),
    CHAT_FRAMES.map(lambda frame: ("text", json.dumps(frame))),
    st.integers(1, 9_000).map(lambda depth: ("text", _nested(depth))),
    st.integers(4_300, 5_000).map(lambda digits: ("text", '{"type": "read", "up_to": ' + "9" * digits + "}")),
)

# Frames with a known answer: the error code each gets.
BAD_FRAMES = [
    pytest.param("bytes", b"\x00\xff", "bad_request", id="binary"),
    pytest.param("text", "x" * 20_001, "too_large", id="huge"),
    pytest.param("text", _nested(5_000), "bad_request", id="deep"),
    pytest.param("text", '{"type": "message", "text": "\\ud800 lone surrogate"}', "invalid", id="surrogate"),
    pytest.param("text", '{"type": "message", "text": "nul \\u0000 byte"}', "invalid", id="nul"),
    pytest.param("text", '{"type": "message", "text": "\\u001b[31m"}', "invalid", id="control"),
    pytest.param("text", '{"type": "read", "up_to": ' + "9" * 5000 + "}", "bad_request", id="5000-digits"),
    pytest.param("text", '{"type": "read", "up_to": 99999999999999999999}', "bad_request", id="20-digits"),
    pytest.param("text", '{"type": "read", "up_to": "12"}', "bad_request", id="wrong-type"),
    pytest.param("text", '{"type": "resync", "after": [1]}', "bad_request", id="wrong-type-after"),
    pytest.param("text", '{"type": "read", "up_to": NaN}', "bad_request", id="nan"),
    pytest.param("text", "[1, 2]", "bad_request", id="not-an-object"),
    pytest.param("text", "{", "bad_request", id="not-json"),
]


async def _send(communicator, kind: str, data) -> None:
    # send_input, not send_to: empty frames are frames too.
    await communicator.send_input({"type": "websocket.receive", kind: data})


async def _frames_until(communicator, wanted: str) -> list[dict]:
    """Frames received up to and including the first of type `wanted`; fails if the socket closes."""
    frames = []
    while not frames or frames[-1].get("type") != wanted:
        output = await communicator.receive_output(timeout=WAIT)
        assert output["type"] == "websocket.send", output  # a close here is the bug
        frames.append(json.loads(output["text"]))
    return frames


@pytest.fixture
def chat_socket(db):
    CategoryFactory(slug="electrician", name="Electrician")
    cache.clear()
    conversation = ConversationFactory()
    return lambda: chat_communicator(f"/ws/chat/{conversation.pk}/", conversation.customer)


def _chat_scenario(make_communicator, kind: str, data, expected_code: str | None):
    communicator = make_communicator()  # logs in: on this thread, inside the test's transaction

    async def scenario():
        connected, _ = await communicator.connect()
        assert connected
        try:
            await _send(communicator, kind, data)
            if expected_code is not None:
                error = (await _frames_until(communicator, "error"))[-1]
                assert error["code"] == expected_code
            await communicator.send_json_to({"type": "resync", "after": 0})
            history = (await _frames_until(communicator, "history"))[-1]
            assert isinstance(history["messages"], list)
        finally:
            await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize(("kind", "data", "code"), BAD_FRAMES)
def test_chat_answers_a_bad_frame_with_an_error_and_stays_open(chat_socket, kind, data, code):
    _chat_scenario(chat_socket, kind, data, code)


def test_a_refused_message_names_its_client_id(chat_socket):
    communicator = chat_socket()

    async def scenario():
        await communicator.connect()
        await communicator.send_to(text_data='{"type": "message", "text": "\\ud800", "client_id": "c-1"}')
        error = (await _frames_until(communicator, "error"))[-1]
        await communicator.disconnect()
        return error

    assert async_to_sync(scenario)()["client_id"] == "c-1"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=FRAMES)
def test_chat_survives_any_frame(chat_socket, frame):
    cache.clear()  # the rate limit would otherwise answer later examples
    _chat_scenario(chat_socket, *frame, expected_code=None)


# --- sockets that only push: any client frame is answered with an error -----------------------


def _push_socket(path: str, user):
    async def scenario(communicator, kind: str, data) -> dict:
        connected, _ = await communicator.connect()
        assert connected
        try:
            await _send(communicator, kind, data)
            first = (await _frames_until(communicator, "error"))[-1]
            await communicator.send_json_to({"type": "ping"})
            second = (await _frames_until(communicator, "error"))[-1]
            await asyncio.sleep(0)
            return {"first": first, "second": second}
        finally:
            await communicator.disconnect()

    return lambda kind, data: async_to_sync(scenario)(chat_communicator(path, user), kind, data)


@pytest.fixture(params=["notifications", "offer_feed"])
def push_socket(request, db):
    if request.param == "notifications":
        return _push_socket("/ws/notifications/", CustomerFactory())
    CategoryFactory(slug="electrician", name="Electrician")
    CategoryFactory(slug="plumber", name="Plumber")
    return _push_socket("/ws/offers/feed/", ProviderFactory())


@pytest.mark.parametrize(("kind", "data", "code"), BAD_FRAMES[:4])
def test_push_sockets_answer_a_bad_frame_and_stay_open(push_socket, kind, data, code):
    answers = push_socket(kind, data)

    assert answers["first"]["code"] == code
    assert answers["second"] == {
        "type": "error",
        "code": "bad_request",
        "message": "This socket does not take messages.",
        "client_id": "",
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=FRAMES)
def test_push_sockets_survive_any_frame(push_socket, frame):
    assert push_socket(*frame)["second"]["type"] == "error"
