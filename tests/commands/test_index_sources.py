"""`/llm index` fetches over http only from a host and port indexing.allowed_hosts lists: every way of
making the HTTP library connect elsewhere is refused before a byte is sent. Two loopback file servers:
`files` is listed, `decoy` is where an attacker wants the bot to go."""

import re

import pytest

from commands.data_settings import IndexingSettings
from commands.errors import CommandError
from commands.index_sources import download, shown
from sandbox.httpstub import Request, Response, StubServer

DOCS = b'{"id": "d-1", "text": "served by the listed host"}\n'


def _server(name: str) -> StubServer:
    server = StubServer(name)
    server.hosts = []  # the Host header of every request served
    server.targets = []

    def serve(req: Request) -> Response:
        server.hosts.append(req.headers.get("Host"))
        return Response(body=DOCS if req.path.endswith("docs.jsonl") else b"decoy", content_type="text/plain")

    server.route("GET", r"/.*docs\.jsonl", serve)
    server.start()
    return server


@pytest.fixture(scope="module")
def files():
    server = _server("files")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def decoy():
    server = _server("decoy")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh(files, decoy):
    for server in (files, decoy):
        server.seen.clear()
        server.hosts.clear()


def _port(server: StubServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _settings(*hosts: str) -> IndexingSettings:
    return IndexingSettings(allowed_hosts=list(hosts), timeout_seconds=2)


def _refusal(url: str, settings: IndexingSettings) -> str:
    with pytest.raises(CommandError) as refused:
        download(url, settings)
    return refused.value.message


# (URL with {A} = the listed server's port and {D} = the decoy's, what the refusal says)
ATTACKS = [
    ("http://127.0.0.1:{D}\\@127.0.0.1:{A}/../docs.jsonl", "the URL contains a backslash"),
    ("http://127.0.0.1:{D}\\\\@127.0.0.1:{A}/docs.jsonl", "the URL contains a backslash"),
    ("http://a@b/", "the URL carries a user name or password (`user@`)"),
    ("http://127.0.0.1:80@127.0.0.2/", "the URL carries a user name or password (`user@`)"),
    ("http://127.0.0.1:{A}@127.0.0.1:{D}/docs.jsonl", "the URL carries a user name or password (`user@`)"),
    ("http://127.0.0.1:{A}%2f@127.0.0.1:{D}/docs.jsonl", "the URL carries a user name or password (`user@`)"),
    ("http://@127.0.0.1:{D}/docs.jsonl", "the URL is not in plain form"),
    ("http://%31%32%37.0.0.1:{D}/docs.jsonl", "the URL is not in plain form"),
    ("http://127.0.0.1:{A}/x/../docs.jsonl", "the URL is not in plain form"),
    ("http://127.0.0.1:0{A}/docs.jsonl", "the URL is not in plain form"),
    ("http://127.0.0.1:/docs.jsonl", "the URL is not in plain form"),
    ("http://127.0.0.1:{A}/docs.jsonl\r\nHost: evil", "the URL contains a space, a control character"),
    ("http://127.0.0.1:{A}/dócs.jsonl", "the URL contains a space, a control character or a non-ASCII"),
    ("http://[::ffff:127.0.0.1]:{A}/docs.jsonl", "`[::ffff:127.0.0.1]` is not a host llmbot fetches from"),
    ("http://[::1]:{A}/docs.jsonl", "`[::1]` is not a host llmbot fetches from"),
    ("http://2130706433:{A}/docs.jsonl", "`2130706433` is neither a DNS name nor an IP address"),
    ("http://2130706433/", "`2130706433` is neither a DNS name nor an IP address"),
    ("http://0x7f.1/", "`0x7f.1` is neither a DNS name nor an IP address"),
    ("http://127.1:{A}/docs.jsonl", "`127.1` is neither a DNS name nor an IP address"),
    ("http://0177.0.0.1:{A}/docs.jsonl", "`0177.0.0.1` is neither a DNS name nor an IP address"),
    (
        "http://127.0.0.1:{D}/docs.jsonl",
        "`127.0.0.1:{D}` is not allowed: port {D} is not listed for `127.0.0.1`",
    ),
    ("ftp://127.0.0.1:{A}/docs.jsonl", "only http:// and https:// URLs with a host are fetched"),
]


@pytest.mark.parametrize("template, reason", ATTACKS)
def test_a_url_that_could_reach_another_server_is_refused_before_any_request(files, decoy, template, reason):
    ports = {"A": _port(files), "D": _port(decoy)}
    settings = _settings("127.0.0.1", f"127.0.0.1:{ports['A']}")
    message = _refusal(template.format(**ports), settings)
    assert message.startswith(reason.format(**ports))
    assert message.endswith(f"(indexing.allowed_hosts: 127.0.0.1, 127.0.0.1:{ports['A']}).")
    assert list(decoy.seen) == [] and list(files.seen) == []


def test_a_bare_host_allows_only_the_default_port(files):
    port = _port(files)
    message = _refusal(f"http://127.0.0.1:{port}/docs.jsonl", _settings("127.0.0.1"))
    assert message == (
        f"`127.0.0.1:{port}` is not allowed: port {port} is not listed for `127.0.0.1` (a bare host means "
        f"port 80 for http and 443 for https; list `127.0.0.1:{port}` to allow it) "
        "(indexing.allowed_hosts: 127.0.0.1)."
    )
    assert list(files.seen) == []


def test_a_listed_name_that_resolves_to_a_loopback_address_is_refused(files):
    port = _port(files)
    message = _refusal(f"http://localhost:{port}/docs.jsonl", _settings(f"localhost:{port}"))
    assert message == (
        "`localhost` resolves to a loopback address; llmbot fetches from such addresses only when "
        f"indexing.allowed_hosts names the IP address itself (indexing.allowed_hosts: localhost:{port})."
    )
    assert list(files.seen) == []


def test_a_host_that_is_not_listed_is_refused_naming_the_allowed_hosts(files):
    message = _refusal("http://169.254.169.254/latest/meta-data/iam", _settings("files.example.com"))
    assert message == (
        "`169.254.169.254` is not a host llmbot fetches from (indexing.allowed_hosts: files.example.com)."
    )


def test_refusals_never_show_a_password_or_a_query_string(files):
    port = _port(files)
    secrets = f"http://ops:hunter2@127.0.0.1:{port}/docs.jsonl?X-Amz-Signature=s3cr3t"
    message = _refusal(secrets, _settings(f"127.0.0.1:{port}"))
    assert "hunter2" not in message and "s3cr3t" not in message and "ops" not in message
    missing = _refusal(
        f"http://127.0.0.1:{port}/gone.jsonl?X-Amz-Signature=s3cr3t", _settings(f"127.0.0.1:{port}")
    )
    assert missing == f"`http://127.0.0.1:{port}/gone.jsonl` answered 404 Not Found."
    assert shown(secrets) == f"http://127.0.0.1:{port}/docs.jsonl"


def test_a_listed_ip_and_port_is_fetched_with_its_query_string(files):
    port = _port(files)
    body = download(f"http://127.0.0.1:{port}/team/docs.jsonl?version=3", _settings(f"127.0.0.1:{port}"))
    assert body == DOCS
    assert list(files.seen) == [("GET", "/team/docs.jsonl")]
    assert files.hosts == [f"127.0.0.1:{port}"]


def test_scheme_and_host_case_and_escape_case_do_not_matter(files):
    port = _port(files)
    body = download(f"HTTP://127.0.0.1:{port}/a%2fb/docs.jsonl", _settings(f"127.0.0.1:{port}"))
    assert body == DOCS
    assert list(files.seen) == [("GET", "/a%2Fb/docs.jsonl")]


def test_allowed_hosts_entries_are_checked_when_the_config_loads():
    assert _settings("Files.Example.com", "10.0.0.5:8080", "[2001:DB8::5]:8443").allowed_hosts == [
        "files.example.com",
        "10.0.0.5:8080",
        "[2001:db8::5]:8443",
    ]
    for entry in (
        "http://files.example.com",
        "*.example.com",
        "files.example.com/docs",
        "::1",
        "h:080",
        "0.0.0.0",
    ):
        with pytest.raises(ValueError, match=re.escape(f"`{entry}`")):
            _settings(entry)


def test_a_bad_allowed_hosts_entry_says_which_forms_are_accepted():
    with pytest.raises(ValueError) as refused:
        _settings("2130706433")
    assert (
        "`2130706433`: `2130706433` is neither a DNS name nor an IP address in its standard form. "
        "Write `host` or `host:port`: a DNS name or an IP address (IPv6 in brackets), no scheme, path or "
        "wildcard; e.g. files.example.com, files.example.com:8443, 10.0.0.5:8080"
    ) in str(refused.value)
