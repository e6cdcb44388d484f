"""The download client: URLs read once by urllib3's parser and refused unless plain; addresses sorted
into public and not; the connection made to the address given (no DNS of its own) with the name in
the Host header, SNI and certificate check; no redirects, a size cap."""

import ipaddress
import ssl
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integrations import downloads, hosts
from integrations.errors import Unavailable
from sandbox.httpstub import Request, Response, StubServer

LOOPBACK = ipaddress.ip_address("127.0.0.1")
NAME = "files.test"  # .test never resolves: a request that arrives was not sent through DNS


def _recording(name: str) -> StubServer:
    server = StubServer(name)
    server.hosts = []

    def serve(req: Request) -> Response:
        server.hosts.append(req.headers.get("Host"))
        if req.path == "/moved":
            return Response(302, b"", headers={"Location": req.arg("to", "")})
        size = int(req.arg("size", "5"))
        return Response(body=b"x" * size, content_type="text/plain")

    server.route("GET", r"/.*", serve)
    return server


@pytest.fixture(scope="module")
def plain():
    server = _recording("plain")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """HTTPS with a self-signed certificate for files.test; `sni` lists the names clients asked for."""
    cert, key = _certificate(tmp_path_factory.mktemp("tls"), NAME)
    server = _recording("tls")
    server.start()
    server.sni = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: server.sni.append(name)
    server._server.socket = context.wrap_socket(server._server.socket, server_side=True)
    server.ca_file = str(cert)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh(plain):
    plain.seen.clear()
    plain.hosts.clear()


def _certificate(directory, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _port(server: StubServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_a_plain_url_is_read_into_what_the_connection_will_use():
    location = downloads.locate("HTTPS://Files.Example.COM:8443/docs/a%2fb.jsonl?X-Amz-Signature=abc#top")
    assert location.model_dump() == {
        "scheme": "https",
        "host": "files.example.com",
        "port": 8443,
        "target": "/docs/a%2Fb.jsonl?X-Amz-Signature=abc",
        "path": "/docs/a%2Fb.jsonl",
    }
    assert location.shown == "https://files.example.com:8443/docs/a%2Fb.jsonl"
    assert downloads.locate("http://[2001:db8::5]/x").authority == "[2001:db8::5]"
    assert downloads.locate("http://files.example.com").target == "/"


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.2:8765\\@127.0.0.1/../docs.jsonl", "backslash"),
        ("http://a@b/", "user name or password"),
        ("http://:@b/", "user name or password"),
        ("http://@b/", "not in plain form"),
        ("http://b/a/./c", "not in plain form"),
        ("http://ex%61mple.com/", "not in plain form"),
        ("http://b:080/", "not in plain form"),
        ("http://b/a%zz", "not in plain form"),
        ("http://b/a b", "a space"),
        ("http://b/\x00", "a control character"),
        ("http://bücher.de/", "non-ASCII"),
        ("http://[fe80::1%25eth0]/", "not in plain form"),
        ("http://b:99999/", "could not be read"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("http:/b/x", "only http:// and https://"),
        ("http://2130706433/", "`2130706433` is neither a DNS name nor an IP address"),
        ("http://0x7f.1/", "`0x7f.1` is neither"),
        ("http://b_c.example/", "`b_c.example` is neither"),
    ],
)
def test_a_url_that_is_not_plain_is_refused(url, reason):
    with pytest.raises(hosts.BadUrl, match=reason.replace("(", r"\(")):
        downloads.locate(url)


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("8.8.8.8", None),
        ("::ffff:8.8.8.8", None),
        ("2606:4700::1111", None),
    ],
)
def test_addresses_are_sorted_into_public_and_the_kinds_that_need_naming(address, kind):
    assert hosts.restriction(ipaddress.ip_address(address)) == kind


def test_the_connection_goes_to_the_address_given_with_the_name_as_host_header(plain):
    location = downloads.locate(f"http://{NAME}:{_port(plain)}/docs.jsonl?size=7")
    assert downloads.fetch(location, [LOOPBACK], 1000, 2) == b"x" * 7
    assert plain.hosts == [f"{NAME}:{_port(plain)}"]


def test_an_address_that_refuses_the_connection_is_followed_by_the_next_one_given(plain):
    location = downloads.locate(f"http://{NAME}:{_port(plain)}/docs.jsonl")
    # the server listens on 127.0.0.1 only: 127.0.0.2 (loopback too) refuses the connection
    assert downloads.fetch(location, [ipaddress.ip_address("127.0.0.2"), LOOPBACK], 1000, 2) == b"xxxxx"
    assert len(plain.seen) == 1


def test_https_sends_the_name_as_sni_and_checks_the_certificate_against_it(tls):
    location = downloads.locate(f"https://{NAME}:{_port(tls)}/docs.jsonl?size=3")
    assert downloads.fetch(location, [LOOPBACK], 1000, 2, ca_file=tls.ca_file) == b"xxx"
    assert tls.sni[-1] == NAME
    assert tls.hosts[-1] == f"{NAME}:{_port(tls)}"


def test_https_refuses_a_certificate_for_another_name(tls):
    location = downloads.locate(f"https://other.test:{_port(tls)}/docs.jsonl")
    with pytest.raises(Unavailable, match="TLS with `other.test` failed"):
        downloads.fetch(location, [LOOPBACK], 1000, 2, ca_file=tls.ca_file)


def test_a_redirect_is_not_followed(plain):
    decoy = _recording("decoy")
    decoy.start()
    try:
        location = downloads.locate(f"http://127.0.0.1:{_port(plain)}/moved?to={decoy.url}/docs.jsonl")
        with pytest.raises(Unavailable, match="the server answered with a redirect; give the final URL"):
            downloads.fetch(location, [LOOPBACK], 1000, 2)
    finally:
        decoy.stop()
    assert list(decoy.seen) == []


def test_a_file_larger_than_the_cap_is_refused(plain):
    location = downloads.locate(f"http://127.0.0.1:{_port(plain)}/big.jsonl?size=300000")
    with pytest.raises(Unavailable, match=r"larger than 100,000 bytes \(indexing.max_bytes\)"):
        downloads.fetch(location, [LOOPBACK], 100_000, 2)


def test_allowlist_entries_split_into_host_and_port():
    assert [hosts.host_port(e) for e in ("Files.Example.com", "10.0.0.5:8080", "[::1]:8443")] == [
        ("files.example.com", None),
        ("10.0.0.5", 8080),
        ("[::1]", 8443),
    ]
    for entry in ("::1", "h:0", "h:65536", "h:", "https://h", "h/x", "*"):
        with pytest.raises(ValueError):
            hosts.host_port(entry)
