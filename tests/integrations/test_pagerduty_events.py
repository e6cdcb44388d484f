"""The webhook event parser reads PagerDuty's shapes and turns every other signed JSON body into
Unreadable, never another exception: a corpus of junk bodies, then every field of real-shaped events
replaced by every junk value (a property over a few thousand bodies)."""

import json
from datetime import datetime, timezone

import pytest

from integrations.pagerduty_events import (
    INCIDENT_TYPES,
    IncidentEvent,
    Unreadable,
    envelope,
    incident_id,
    parse,
)
from integrations.pagerduty_models import valid_id
from sandbox import pagerduty_sender as pd

AT = datetime(2024, 5, 1, 9, 0, 0, 417000, tzinfo=timezone.utc)
TRIGGERED = pd.event(
    "incident.triggered",
    pd.incident_data("Q0RIJJZL24RC6W", 4211, "vLLM down", priority="P0", created=AT),
    at=AT,
    agent=None,
    event_id="01HX0TRIGGERED000000000001",
)
ANNOTATED = pd.event(
    "incident.annotated", pd.note_data("Q0RIJJZL24RC6W", "vLLM down", "PNOTE7Q2", "rolled back"), at=AT
)
DEEP = 100_000


def doc(body: bytes) -> dict:
    return json.loads(body)


def with_field(body: bytes, path: tuple, value) -> bytes:
    """`body` with the field at `path` (keys under the document) replaced by `value`."""
    document = doc(body)
    holder = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return json.dumps(document).encode()


def without_field(body: bytes, path: tuple) -> bytes:
    document = doc(body)
    holder = document
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return json.dumps(document).encode()


def test_a_trigger_is_read_with_every_field():
    event = parse(TRIGGERED)
    assert event.model_dump(exclude={"created_at"}) == {
        "id": "01HX0TRIGGERED000000000001",
        "type": "incident.triggered",
        "occurred_at": AT.timestamp(),
        "agent": "",
        "incident_id": "Q0RIJJZL24RC6W",
        "number": 4211,
        "title": "vLLM down",
        "status": "triggered",
        "service": "vLLM Inference",
        "service_id": "PSVCLLM",
        "assignees": ["Olivia Ops"],
        "priority": "P0",
        "urgency": "high",
        "html_url": "https://llm-platform.pagerduty.com/incidents/Q0RIJJZL24RC6W",
        "policy_id": "PEPLLM1",
        "note_id": "",
        "note": "",
    }


def test_an_annotation_is_read_from_the_incident_reference_and_the_note():
    event = parse(ANNOTATED)
    assert (event.incident_id, event.number, event.title, event.note_id, event.note, event.agent) == (
        "Q0RIJJZL24RC6W",
        None,
        "vLLM down",
        "PNOTE7Q2",
        "rolled back",
        "Olivia Ops",
    )


def test_a_ping_has_an_envelope_but_no_incident():
    ping = json.dumps(
        {"event": {"id": "01FKZOXA868SHYEE4DVNWB5P9W", "event_type": "pagey.ping", "data": {"type": "ping"}}}
    )
    assert (envelope(ping.encode())["event_type"], incident_id(envelope(ping.encode()))) == ("pagey.ping", "")
    with pytest.raises(Unreadable):
        parse(ping)


JUNK_BODIES = [
    b"",
    b"null",
    b"[]",
    b'"event"',
    b"12",
    b"{}",
    b'{"event": null}',
    b'{"event": []}',
    b'{"event": "incident.triggered"}',
    b'{"event": {}}',
    b"\xff\xfe{\x00}\x00",  # UTF-16, not UTF-8
    '{"event": {"id": "X", "event_type": "incident.triggered", "title": "café"}}'.encode("latin-1"),
    b'\xef\xbb\xbf{"event": {}}',  # a byte-order mark
    b'{"event": {"id": NaN, "event_type": "incident.triggered", "data": {}}}',
    b"[" * DEEP + b"]" * DEEP,
    b'{"event": ' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}",
    b'{"event": {"id": "X1", "event_type": "incident.triggered", "data": {"number": 1' + b"0" * 5000 + b"}}}",
    b'{"event": {"id": "X1", "event_type": "incident.triggered", "data": '
    + b"[" * DEEP
    + b"]" * DEEP
    + b"}}",
    b'{"event": {"id": "X1", "event_type": "incident.triggered", "data": {"id": "Q1", "pad": "'
    + b"x" * 600_000
    + b'"}}}',
]
# (path under the document, junk value): each must make the trigger unreadable
JUNK_FIELDS = [
    (("event", "id"), {"x": 1}),
    (("event", "id"), ["Q1"]),
    (("event", "id"), 42),
    (("event", "id"), ""),
    (("event", "id"), "a/../b"),
    (("event", "id"), "X" * 65),
    (("event", "event_type"), 1),
    (("event", "event_type"), ["incident.triggered"]),
    (("event", "event_type"), "INCIDENT.TRIGGERED"),
    (("event", "event_type"), "incident.triggered; rm -rf"),
    (("event", "event_type"), "incident." + "x" * 300),
    (("event", "data"), ["incident"]),
    (("event", "data"), "incident"),
    (("event", "data"), None),
    (("event", "data", "id"), {"x": 1}),
    (("event", "data", "id"), ["Q1"]),
    (("event", "data", "id"), 1234),
    (("event", "data", "id"), ""),
    (("event", "data", "id"), "<!channel>"),
    (("event", "data", "type"), "incident_note"),  # a note whose `incident` is missing
    (("event", "data", "number"), "4211"),
    (("event", "data", "number"), 10**30),
    (("event", "data", "number"), 1e300),
    (("event", "data", "number"), 0),
    (("event", "data", "number"), True),
    (("event", "data", "number"), None),
    (("event", "data", "title"), 1),
    (("event", "data", "title"), ["vLLM down"]),
    (("event", "data", "title"), {"text": "vLLM down"}),
    (("event", "data", "title"), "\ud800 lone surrogate"),
    (("event", "data", "status"), "open"),
    (("event", "data", "status"), 1),
    (("event", "data", "service"), "vLLM Inference"),
    (("event", "data", "service"), {"summary": ["vLLM"]}),
    (("event", "data", "assignees"), "Olivia Ops"),
    (("event", "data", "assignees"), [1]),
    (("event", "data", "assignees"), [{"summary": {"name": "Olivia"}}]),
    (("event", "data", "assignees"), [{"id": "PUSER01"}] * 101),
    (("event", "data", "priority"), "P0"),
    (("event", "data", "priority"), {"summary": 0}),
    (("event", "data", "urgency"), ["high"]),
    (("event", "data", "escalation_policy"), {"id": ["PEPLLM1"]}),
    (("event", "data", "created_at"), "yesterday"),
    (("event", "data", "created_at"), 1714554000),
    (("event", "occurred_at"), None),
    (("event", "occurred_at"), 1714554000.417),
    (("event", "occurred_at"), "2024-13-45T25:61:00Z"),
    (("event", "occurred_at"), "9" * 100),
    (("event", "occurred_at"), "99999-01-01T00:00:00Z"),
    (("event", "agent"), "Olivia Ops"),
    (("event", "agent"), []),
    (("event", "agent"), {"type": "user_reference", "summary": {"a": 1}}),
]
JUNK_NOTE_FIELDS = [
    (("event", "data", "incident"), "Q0RIJJZL24RC6W"),
    (("event", "data", "incident"), ["Q0RIJJZL24RC6W"]),
    (("event", "data", "incident"), {"id": {"x": 1}}),
    (("event", "data", "incident"), None),
    (("event", "data", "id"), {"x": 1}),
    (("event", "data", "content"), ["rolled back"]),
    (("event", "data", "incident", "summary"), 3),
]


def junk_corpus() -> list[bytes]:
    return (
        JUNK_BODIES
        + [with_field(TRIGGERED, path, value) for path, value in JUNK_FIELDS]
        + [with_field(ANNOTATED, path, value) for path, value in JUNK_NOTE_FIELDS]
        + [
            without_field(TRIGGERED, path)
            for path in [("event",), ("event", "occurred_at"), ("event", "data")]
        ]
        + [without_field(TRIGGERED, ("event", "data", "number"))]
    )


@pytest.mark.parametrize("index", range(len(junk_corpus())))
def test_a_signed_body_of_the_wrong_shape_is_unreadable_and_nothing_else(index):
    body = junk_corpus()[index]
    with pytest.raises(Unreadable):
        parse(body)


def test_incident_id_of_a_malformed_event_is_empty_never_the_junk():
    for path, value in JUNK_FIELDS[14:19] + [(("event", "data"), "x")]:
        assert incident_id(doc(with_field(TRIGGERED, path, value))["event"]) == ""
    for path, value in JUNK_NOTE_FIELDS[:4]:
        assert incident_id(doc(with_field(ANNOTATED, path, value))["event"]) == ""
    assert [
        incident_id(junk) for junk in (None, [], "incident.triggered", {"event_type": ["incident."]})
    ] == [""] * 4


JUNK_VALUES = [
    None,
    True,
    0,
    -1,
    10**30,
    1.5,
    float("inf"),
    "",
    "x" * 5000,
    "<!channel> <@U0OPS1>",
    "\ud800",
    [],
    ["a"],
    {},
    {"x": 1},
    {"id": {"x": 1}, "summary": ["s"]},
    json.loads("[" * 500 + "]" * 500),
]


def all_paths(value, prefix=()):
    """Every key path inside a JSON document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield prefix + (key,)
            yield from all_paths(inner, prefix + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield prefix + (index,)
            yield from all_paths(inner, prefix + (index,))


def test_every_field_replaced_by_every_junk_value_parses_cleanly_or_is_unreadable():
    tried, read = 0, 0
    for body in (TRIGGERED, ANNOTATED):
        for path in list(all_paths(doc(body))):
            for value in JUNK_VALUES:
                mutated = json.dumps(with_field_doc(doc(body), path, value), allow_nan=True).encode(
                    "utf-8", "surrogatepass"
                )
                tried += 1
                try:
                    event = parse(mutated)
                except Unreadable:
                    continue
                assert_sound(event)
                read += 1
    assert (tried > 1000, read > 100) == (True, True)  # both outcomes were exercised


def with_field_doc(document, path, value):
    holder = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return document


def assert_sound(event: IncidentEvent) -> None:
    """What the bot relies on in any event parse() lets through."""
    assert valid_id(event.id) and valid_id(event.incident_id) and event.type in INCIDENT_TYPES
    assert event.number is None or (isinstance(event.number, int) and 0 < event.number < 10**12)
    texts = [event.title, event.agent, event.service, event.html_url, event.note, *event.assignees]
    assert all(isinstance(t, str) and len(t) <= 25_000 for t in texts)
    for text in texts:
        text.encode("utf-8")  # storable and postable


def test_a_str_body_is_read_like_its_utf8_bytes():
    assert parse(TRIGGERED.decode()) == parse(TRIGGERED)
    with pytest.raises(Unreadable):
        parse('{"event": "\ud800"}')
