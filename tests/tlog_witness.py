"""A C2SP tlog-witness on loopback, written from the specs for the tests (no govern code in it).

It implements ``POST /add-checkpoint`` and ``GET /<hex SHA-256 of origin>/checkpoint`` as
https://c2sp.org/tlog-witness says: 404 unknown origin; 403 no trusted signature, or a trusted
name and id whose signature fails; 400 malformed body or old size above the checkpoint size;
409 (``text/x.tlog.size``) old size not the last cosigned size; 422 size 0 without the empty
root, a proof with old size 0, a consistency proof that does not verify, or equal sizes with
different roots; 200 with a tlog-cosignature v1 (Ed25519) line. Check and update are atomic.
Its own RFC 6962 consistency check and signed-note parsing are independent of govern's.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

EMPTY = hashlib.sha256(b"").digest()


def _node(a: bytes, b: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + a + b).digest()


def consistent(m: int, n: int, root_m: bytes, root_n: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2 for 0 < m < n, written out from the RFC text."""
    if not 0 < m < n or not proof:
        return False
    if m & (m - 1) == 0:  # m is a power of two: the old root starts the path
        proof = [root_m, *proof]
    fn, sn = m - 1, n - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            sr = _node(sr, c)
        fn //= 2
        sn //= 2
    return sn == 0 and fr == root_m and sr == root_n


@dataclass
class LogKey:
    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.name.encode() + b"\n\x01" + self.public).digest()[:4]


@dataclass
class LoopbackWitness:
    """The witness state: its name and key, the logs it knows, the last checkpoint per origin."""

    name: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    logs: dict[str, list[LogKey]] = field(default_factory=dict)
    latest: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)  # origin -> size, root, cosigned note
    requests: list[tuple[int, str]] = field(default_factory=list)  # (status, body) of every add-checkpoint
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Any = time.time

    @property
    def public(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.name.encode() + b"\n\x04" + self.public).digest()[:4]

    def vkey(self) -> str:
        blob = base64.b64encode(b"\x04" + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def trust(self, origin: str, name: str, public: bytes) -> None:
        self.logs.setdefault(origin, []).append(LogKey(name, public))

    def cosign(self, body: str) -> str:
        ts = int(self.clock())
        message = f"cosignature/v1\ntime {ts}\n".encode() + body.encode()
        blob = self.key_id + struct.pack(">Q", ts) + self.key.sign(message)
        return f"\u2014 {self.name} {base64.b64encode(blob).decode()}\n"

    def add_checkpoint(self, raw: bytes) -> tuple[int, str, str]:
        """(status, content type, body) for one add-checkpoint request body."""
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            return 400, "text/plain", "not UTF-8\n"
        head, sep, note = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or not lines[0].startswith("old "):
            return 400, "text/plain", "malformed request\n"
        old_text = lines[0][4:]
        if not old_text.isdigit() or (old_text != "0" and old_text.startswith("0")):
            return 400, "text/plain", "malformed old size\n"
        old = int(old_text)
        if len(lines) - 1 > 63:
            return 400, "text/plain", "too many proof lines\n"
        try:
            proof = [base64.b64decode(x, validate=True) for x in lines[1:]]
        except ValueError:
            return 400, "text/plain", "malformed proof\n"
        if any(len(p) != 32 for p in proof):
            return 400, "text/plain", "malformed proof\n"
        body, sep, sigs = note.partition("\n\n")
        if not sep or not note.endswith("\n"):
            return 400, "text/plain", "malformed checkpoint\n"
        body += "\n"
        blines = body.split("\n")
        if len(blines) < 4:
            return 400, "text/plain", "malformed checkpoint\n"
        origin, size_text, root_text = blines[0], blines[1], blines[2]
        if not size_text.isdigit():
            return 400, "text/plain", "malformed checkpoint\n"
        size = int(size_text)
        try:
            root = base64.b64decode(root_text, validate=True)
        except ValueError:
            return 400, "text/plain", "malformed checkpoint\n"
        keys = self.logs.get(origin)
        if keys is None:
            return 404, "text/plain", "unknown log\n"
        trusted = False
        for line in sigs.split("\n")[:-1]:
            if not line.startswith("\u2014 "):
                return 400, "text/plain", "malformed signature line\n"
            name, _, blob_text = line[2:].partition(" ")
            try:
                blob = base64.b64decode(blob_text, validate=True)
            except ValueError:
                return 400, "text/plain", "malformed signature line\n"
            for key in keys:
                if key.name == name and key.key_id == blob[:4]:
                    try:
                        Ed25519PublicKey.from_public_bytes(key.public).verify(blob[4:], body.encode())
                    except InvalidSignature:
                        return 403, "text/plain", "invalid signature\n"
                    trusted = True
        if not trusted:
            return 403, "text/plain", "no signature from a trusted key\n"
        if old > size:
            return 400, "text/plain", "old size is larger than the checkpoint size\n"
        with self.lock:
            last_size, last_root, _ = self.latest.get(origin, (0, EMPTY, ""))
            if old != last_size:
                return 409, "text/x.tlog.size", f"{last_size}\n"
            if size == 0 and root != EMPTY:
                return 422, "text/plain", "a checkpoint of size 0 must have the empty root\n"
            if old == 0:
                if proof:
                    return 422, "text/plain", "the consistency proof from size 0 must be empty\n"
            elif old == size:
                if root != last_root or proof:
                    return 422, "text/plain", "consistency proof: same size, different root\n"
            elif not consistent(old, size, last_root, root, proof):
                return 422, "text/plain", "consistency proof does not verify\n"
            line = self.cosign(body)
            self.latest[origin] = (size, root, note + line)
        return 200, "text/plain", line


class _Handler(BaseHTTPRequestHandler):
    witness: LoopbackWitness

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, content_type: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path != "/add-checkpoint":
            self._send(404, "text/plain", "not found\n")
            return
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, content_type, body = self.witness.add_checkpoint(raw)
        self.witness.requests.append((status, body))
        self._send(status, content_type, body)

    def do_GET(self) -> None:
        for origin, (_, _, note) in list(self.witness.latest.items()):
            if self.path == f"/{hashlib.sha256(origin.encode()).hexdigest()}/checkpoint":
                self._send(200, "text/plain", note)
                return
        self._send(404, "text/plain", "not found\n")


class WitnessServer:
    """``with WitnessServer(witness) as url:`` serves ``witness`` on 127.0.0.1 at a free port."""

    def __init__(self, witness: LoopbackWitness) -> None:
        handler = type("Handler", (_Handler,), {"witness": witness})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
