"""X-PagerDuty-Signature verification against published vectors: go-pagerduty's test body and
deliveries captured from a real PagerDuty account (values copied here as literals), plus rotation."""

from bot.oncall.intake import signatures, verify

GO_SECRET = "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK"
GO_SIGNATURE = "v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd"
GO_MISMATCH = "v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5"
GO_BODY = (
    b'{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type"'
    b':"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com'
    b'/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Eng'
    b'ineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https'
    b'://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","n'
    b'umber":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acm'
    b'e.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH"'
    b',"summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerdut'
    b'y.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User'
    b' 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalati'
    b'on_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","'
    b'summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerdut'
    b'y.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engi'
    b'neering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incide'
    b'nt_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","'
    b'type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conferen'
    b'ce_url":"https://example.com"},"resolve_reason":null}}}'
)

REAL_SECRET = "HvPtlQNKMPpHSSqJpCdndXfo7HnGXa1pnH6w5axpxLFn9aRBNBGh4e8/HlonK5mz"
PING_BODY = (
    b'{"event":{"id":"01FKZOXA868SHYEE4DVNWB5P9W","event_type":"pagey.ping","resource_type":"pagey","occur'
    b'red_at":"2025-04-07T03:00:55.532Z","agent":{"id":"PVE0ZR9","type":"user_reference"},"client":null,"d'
    b'ata":{"message":"Hello from your friend Pagey!","type":"ping"}}}'
)
PING_SIGNATURE = "v1=0e83584cbab86f98c51517cf96a70c90e910532d3d2f067d58c753cc8980a05b"
PING_WRONG_LAST_DIGIT = "v1=0e83584cbab86f98c51517cf96a70c90e910532d3d2f067d58c753cc8980a05c"
ANNOTATED_BODY = (
    b'{"event":{"id":"01FKZSYEOK0YQYTT9OZQJDS1P4","event_type":"incident.annotated","resource_type":"incid'
    b'ent","occurred_at":"2025-04-07T03:49:36.680Z","agent":{"html_url":"https://aldaviva.pagerduty.com/us'
    b'ers/PVE0ZR9","id":"PVE0ZR9","self":"https://api.pagerduty.com/users/PVE0ZR9","summary":"Ben","type":'
    b'"user_reference"},"client":null,"data":{"incident":{"html_url":"https://aldaviva.pagerduty.com/incid'
    b'ents/Q2CKYRLH85UNN4","id":"Q2CKYRLH85UNN4","self":"https://api.pagerduty.com/incidents/Q2CKYRLH85UNN'
    b'4","summary":"Test","type":"incident_reference"},"id":"PTSAIFZ","content":"Resolution Note: I\'m reso'
    b'lving it","trimmed":false,"type":"incident_note"}}}'
)
ANNOTATED_SIGNATURE = "v1=7b1cc279d644e35511cfca431696498477e97d46f2403ed46d426435e0efef2b"


def test_the_go_pagerduty_vector_verifies():
    assert verify([GO_SECRET], GO_SIGNATURE, GO_BODY)


def test_the_go_pagerduty_mismatch_is_rejected():
    assert not verify([GO_SECRET], GO_MISMATCH, GO_BODY)


def test_real_captured_deliveries_verify():
    assert verify([REAL_SECRET], PING_SIGNATURE, PING_BODY)
    assert verify([REAL_SECRET], ANNOTATED_SIGNATURE, ANNOTATED_BODY)


def test_a_signature_differing_in_its_last_hex_digit_is_rejected():
    assert not verify([REAL_SECRET], PING_WRONG_LAST_DIGIT, PING_BODY)


def test_any_of_several_signatures_in_the_header_may_match():
    assert verify([REAL_SECRET], f"v1=00ff,{PING_WRONG_LAST_DIGIT}, {PING_SIGNATURE}", PING_BODY)


def test_the_second_of_two_configured_secrets_verifies():
    assert verify(["an-old-secret", REAL_SECRET], PING_SIGNATURE, PING_BODY)


def test_a_v0_signature_is_not_accepted_even_when_the_hex_is_right():
    assert not verify([REAL_SECRET], PING_SIGNATURE.replace("v1=", "v0="), PING_BODY)


def test_one_altered_byte_in_the_body_fails():
    altered = PING_BODY.replace(b"Pagey!", b"Pagey?")
    assert not verify([REAL_SECRET], PING_SIGNATURE, altered)


def test_missing_header_or_no_secrets_fail():
    assert not verify([REAL_SECRET], "", PING_BODY)
    assert not verify([], PING_SIGNATURE, PING_BODY)


def test_entries_that_are_not_hex_are_skipped():
    assert signatures("v1=zz, v1=0a0b ,v2=ff") == [bytes.fromhex("0a0b")]
