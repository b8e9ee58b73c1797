"""Witnesses: a C2SP tlog-witness client, tlog-cosignature v1 (Ed25519) checks, and witness policies.

A witness is a party the operator does not control that keeps the latest checkpoint it cosigned
for this log. ``witness_checkpoint`` submits a signed checkpoint to every configured witness with
``POST <url>/add-checkpoint`` (body: ``old <size>``, the RFC 9162 consistency proof from the size
the witness last cosigned, a blank line, the checkpoint), retries once from the size a ``409``
names, verifies the returned cosignature and stores it.

Cosignature v1 (C2SP tlog-cosignature, Ed25519): a note signature line
``— <witness name> base64(key id || u64 timestamp || 64-byte signature)`` whose key id is
``SHA-256(name || 0x0A || 0x04 || public key)[:4]`` and whose signed message is
``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint's note body.

A witness policy is a C2SP tlog-policy file (``log``, ``witness``, ``group``, ``quorum`` lines);
``govern audit verify --witness-policy FILE`` requires cosignatures of a quorum of its witnesses
and that every cosigned checkpoint matches the recomputed tree.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from govern.core import GovernError, Location, VerificationError, isoformat, utcnow

from ._checkpoint import SIG_PREFIX, Checkpoint, Signature, parse_checkpoint, verify_checkpoint
from ._codes import (
    COSIGNATURE_INVALID,
    WITNESS_EXISTS,
    WITNESS_INCONSISTENT,
    WITNESS_KEY_INVALID,
    WITNESS_MISSING,
    WITNESS_POLICY_INVALID,
    WITNESS_QUORUM_UNMET,
    WITNESS_REFUSED,
    WITNESS_UNAVAILABLE,
    WITNESS_URL_INVALID,
)
from ._keys import KeyRing, PublicKey

COSIGNATURE_V1 = b"\x04"  # signed-note key type of Ed25519 tlog cosignatures
MAX_PROOF_LINES = 63
_NAME = re.compile(r"^[^\s+]+$")
_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")


def cosigner_key_id(name: str, public: bytes) -> str:
    """Key id of an Ed25519 cosignature/v1 key, as 8 hex digits."""
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_V1 + public).digest()[:4].hex()


def cosignature_message(body: str, timestamp: int) -> bytes:
    """The bytes a cosignature/v1 signs: header line, time line, then the checkpoint note body."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode()


@dataclass(frozen=True, slots=True)
class WitnessKey:
    """A witness's Ed25519 cosigning key: the name it signs under, key id and 32 public-key bytes."""

    name: str
    key_id: str
    public: bytes

    @classmethod
    def parse(cls, vkey: str, *, source: str = "<witness key>", line: int | None = None) -> WitnessKey:
        """Parse a vkey ``<name>+<8 hex id>+<base64(0x04 || key)>``; ``witness_key_invalid`` (exit 2)."""
        parts = vkey.strip().split("+", 2)
        try:
            name, kid, blob = parts
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise GovernError(
                WITNESS_KEY_INVALID, "expected a vkey <name>+<key id>+<base64 key>", Location(source, line)
            ) from None
        if not _NAME.match(name) or len(raw) != 33 or raw[:1] != COSIGNATURE_V1:
            raise GovernError(
                WITNESS_KEY_INVALID,
                "not an Ed25519 cosignature/v1 vkey (key type 0x04, 32-byte key)",
                Location(source, line),
            )
        if cosigner_key_id(name, raw[1:]) != kid.lower():
            raise GovernError(WITNESS_KEY_INVALID, "the vkey's key id does not match its key", Location(source, line))
        return cls(name, kid.lower(), raw[1:])

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id}+{base64.b64encode(COSIGNATURE_V1 + self.public).decode()}"

    def cosignature(self, checkpoint: Checkpoint) -> int | None:
        """The timestamp of this witness's valid cosignature on ``checkpoint``, or None if it has none.

        Raises ``VerificationError(cosignature_invalid)`` when a line with this witness's name and
        key id does not verify (a malformed note, per signed-note), or carries timestamp 0.
        """
        found: int | None = None
        for sig in checkpoint.signatures:
            if sig.name != self.name or sig.key_id != self.key_id:
                continue
            if len(sig.signature) != 72 or not self._verify(checkpoint.body, sig.signature):
                raise VerificationError(
                    COSIGNATURE_INVALID,
                    f"witness {self.name}'s cosignature on size {checkpoint.size} is invalid",
                )
            timestamp = int.from_bytes(sig.signature[:8], "big")
            if timestamp == 0:
                raise VerificationError(COSIGNATURE_INVALID, f"witness {self.name} cosigned with timestamp 0")
            found = timestamp if found is None else max(found, timestamp)
        return found

    def _verify(self, body: str, blob: bytes) -> bool:
        timestamp = int.from_bytes(blob[:8], "big")
        if timestamp >= 1 << 63:
            return False
        return PublicKey(self.name, self.key_id, self.public).verify(cosignature_message(body, timestamp), blob[8:])


@dataclass
class WitnessPolicy:
    """A parsed C2SP tlog-policy: log keys, named witnesses, groups with thresholds, one quorum."""

    logs: list[PublicKey] = field(default_factory=list)
    witnesses: dict[str, WitnessKey] = field(default_factory=dict)
    groups: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    quorum: str = "none"

    def satisfied(self, cosigners: set[str], name: str | None = None) -> bool:
        """Whether the policy names (witnesses or groups) in ``cosigners`` meet ``name`` (default: the quorum)."""
        name = self.quorum if name is None else name
        if name == "none":
            return True
        if name in self.witnesses:
            return name in cosigners
        threshold, members = self.groups[name]
        return sum(self.satisfied(cosigners, m) for m in members) >= threshold

    def cosigners(self, checkpoint: Checkpoint) -> dict[str, int]:
        """Policy witness name -> cosignature timestamp, for each policy witness that cosigned ``checkpoint``."""
        out: dict[str, int] = {}
        for name, key in self.witnesses.items():
            timestamp = key.cosignature(checkpoint)
            if timestamp is not None:
                out[name] = timestamp
        return out

    def describe(self) -> str:
        if self.quorum in self.groups:
            threshold, members = self.groups[self.quorum]
            return f"{threshold} of {', '.join(members)}"
        return self.quorum

    @classmethod
    def parse(cls, text: str, *, source: str = "<witness policy>") -> WitnessPolicy:
        """Parse a tlog-policy file; every problem is ``witness_policy_invalid`` at its line (exit 2)."""
        policy = cls()
        quorum: str | None = None
        seen_keys: set[bytes] = set()

        def bad(message: str, line: int) -> GovernError:
            return GovernError(WITNESS_POLICY_INVALID, message, Location(source, line))

        for number, raw in enumerate(text.splitlines(), 1):
            words = raw.replace("\t", " ").split()
            if not words or words[0].startswith("#"):
                continue
            kind, args = words[0], words[1:]
            defined = set(policy.witnesses) | set(policy.groups)
            if kind == "log":
                if len(args) not in (1, 2):
                    raise bad("expected 'log <vkey> [<url>]'", number)
                try:
                    (key,) = KeyRing.parse(args[0], source=source).keys
                except GovernError:
                    raise bad("not an Ed25519 log vkey (key type 0x01)", number) from None
                if key.public in seen_keys:
                    raise bad("duplicate key", number)
                seen_keys.add(key.public)
                policy.logs.append(key)
            elif kind == "witness":
                if len(args) not in (2, 3):
                    raise bad("expected 'witness <name> <vkey> [<url>]'", number)
                name = args[0]
                if name in defined or name == "none":
                    raise bad(f"name {name!r} is already defined", number)
                wkey = WitnessKey.parse(args[1], source=source, line=number)
                if wkey.public in seen_keys:
                    raise bad("duplicate key", number)
                seen_keys.add(wkey.public)
                policy.witnesses[name] = wkey
            elif kind == "group":
                if len(args) < 3:
                    raise bad("expected 'group <name> <threshold|all|any> <member> ...'", number)
                name, threshold_text, members = args[0], args[1], args[2:]
                if name in defined or name == "none":
                    raise bad(f"name {name!r} is already defined", number)
                unknown = [m for m in members if m not in defined]
                if unknown:
                    raise bad(f"group members must be defined on earlier lines: {', '.join(unknown)}", number)
                if len(set(members)) != len(members):
                    raise bad("a group lists a member twice", number)
                if threshold_text == "all":
                    threshold = len(members)
                elif threshold_text == "any":
                    threshold = 1
                elif _DECIMAL.match(threshold_text) and 1 <= int(threshold_text) <= len(members):
                    threshold = int(threshold_text)
                else:
                    raise bad(f"threshold {threshold_text!r} is not all, any or 1..{len(members)}", number)
                policy.groups[name] = (threshold, members)
            elif kind == "quorum":
                if len(args) != 1:
                    raise bad("expected 'quorum <name>'", number)
                if quorum is not None:
                    raise bad("a policy has exactly one quorum line", number)
                if args[0] != "none" and args[0] not in defined:
                    raise bad(f"quorum {args[0]!r} is not a witness or group defined earlier", number)
                quorum = args[0]
            else:
                raise bad(f"unknown line {kind!r} (expected log, witness, group or quorum)", number)
        if quorum is None:
            raise GovernError(WITNESS_POLICY_INVALID, "the policy has no quorum line", Location(source))
        policy.quorum = quorum
        return policy

    @classmethod
    def read(cls, path: Any) -> WitnessPolicy:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise GovernError(WITNESS_POLICY_INVALID, str(exc), Location(str(path))) from None
        return cls.parse(text, source=str(path))


def check_quorum(policy: WitnessPolicy, cosigned: dict[str, int], *, what: str) -> None:
    """Raise ``VerificationError(witness_quorum_unmet)`` unless ``cosigned`` (witness names) meets the quorum."""
    if not policy.satisfied(set(cosigned)):
        have = ", ".join(sorted(cosigned)) or "no witness"
        raise VerificationError(
            WITNESS_QUORUM_UNMET, f"{what} is cosigned by {have}; the witness policy needs {policy.describe()}"
        )


def check_log_signature(policy: WitnessPolicy, checkpoint: Checkpoint) -> None:
    """With ``log`` lines in the policy, the checkpoint must be signed by one of those log keys."""
    if policy.logs:
        verify_checkpoint(checkpoint, KeyRing(list(policy.logs)))


# --- the tlog-witness client -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Witness:
    """A configured witness (a ``ledger_witness`` row)."""

    name: str
    url: str
    key: WitnessKey
    size: int
    added: str


@dataclass
class WitnessResult:
    """What one submission to one witness gave: a cosignature, or the error."""

    witness: str
    timestamp: int | None = None
    line: str | None = None
    error: GovernError | None = None


def add_checkpoint_body(old: int, proof: list[bytes], note: str) -> bytes:
    """The tlog-witness add-checkpoint request body."""
    lines = [f"old {old}\n", *(base64.b64encode(h).decode() + "\n" for h in proof), "\n"]
    return ("".join(lines) + note).encode()


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str, str]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url.rstrip("/") + "/add-checkpoint", data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.headers.get("Content-Type", ""), exc.read().decode(errors="replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise GovernError(WITNESS_UNAVAILABLE, f"cannot reach the witness at {url}: {reason}") from None


def submit(witness: Witness, checkpoint: Checkpoint, proof_from: Any, *, timeout: float = 10.0) -> tuple[int, str]:
    """Submit ``checkpoint`` to ``witness``; return (the size it now holds, the cosignature line).

    ``proof_from(old)`` gives the RFC 9162 consistency proof from size ``old`` to the checkpoint
    size. Starts from the size the witness last cosigned; on ``409 Conflict`` retries once from
    the size the witness names. Raises ``VerificationError(witness_inconsistent)`` when the
    witness holds a larger tree or refuses the consistency proof (422: this log is not an
    extension of what it cosigned), ``VerificationError(cosignature_invalid)`` for a bad
    cosignature, ``GovernError`` ``witness_refused`` / ``witness_unavailable`` otherwise.
    """
    old = witness.size
    for _attempt in range(2):
        if old > checkpoint.size:
            raise VerificationError(
                WITNESS_INCONSISTENT,
                f"witness {witness.name} cosigned a tree of {old} entries; this checkpoint has {checkpoint.size}: "
                "the log was truncated or rewritten",
                seq=checkpoint.size,
            )
        proof = proof_from(old) if 0 < old < checkpoint.size else []
        status, content_type, text = _post(witness.url, add_checkpoint_body(old, proof, checkpoint.text()), timeout)
        if status == 409 and content_type.split(";")[0].strip() == "text/x.tlog.size":
            size_text = text.strip()
            if not _DECIMAL.match(size_text) or int(size_text) == old:
                raise GovernError(WITNESS_REFUSED, f"witness {witness.name} answered 409 with {text!r}")
            old = int(size_text)
            continue
        if status == 422:
            raise VerificationError(
                WITNESS_INCONSISTENT,
                f"witness {witness.name} refused the checkpoint of size {checkpoint.size}: it is not consistent "
                f"with the tree of {old} entries the witness cosigned ({text.strip()})",
                seq=checkpoint.size,
            )
        if status != 200:
            raise GovernError(
                WITNESS_REFUSED,
                f"witness {witness.name} answered {status}: {text.strip()[:200]}",
                Location(witness.url),
            )
        lines = [line for line in text.split("\n") if line]
        if not lines or not all(line.startswith(SIG_PREFIX) for line in lines):
            raise GovernError(WITNESS_REFUSED, f"witness {witness.name} answered 200 without signature lines")
        cosigned = parse_checkpoint(checkpoint.text() + "".join(line + "\n" for line in lines), source=witness.url)
        timestamp = witness.key.cosignature(cosigned)
        if timestamp is None:
            raise VerificationError(
                COSIGNATURE_INVALID,
                f"witness {witness.name}'s answer has no cosignature by {witness.key.vkey()}",
            )
        mine = next(
            line
            for line, sig in zip(lines, cosigned.signatures[len(checkpoint.signatures) :], strict=True)
            if (sig.name, sig.key_id) == (witness.key.name, witness.key.key_id)
        )
        return checkpoint.size, mine
    raise GovernError(WITNESS_REFUSED, f"witness {witness.name} answered 409 twice")


# --- workspace operations ----------------------------------------------------------------------


def _tables() -> tuple[Any, Any]:
    from ._tables import LedgerCosignature, LedgerWitness

    return LedgerWitness.__table__, LedgerCosignature.__table__  # type: ignore[attr-defined]


def list_witnesses(session: Any) -> list[Witness]:
    import sqlalchemy as sa

    table, _ = _tables()
    rows = session.execute(sa.select(table).order_by(table.c.name)).all()
    return [Witness(r.name, r.url, WitnessKey.parse(r.vkey, source="ledger_witness"), r.size, r.added) for r in rows]


def add_witness(store: Any, url: str, vkey: str, *, actor: str = "govern") -> Witness:
    """Configure a witness by its submission URL prefix and cosignature vkey; log ``witness.added``."""
    import sqlalchemy as sa

    from ._log import append

    key = WitnessKey.parse(vkey)
    if not url.startswith(("http://", "https://")):
        raise GovernError(WITNESS_URL_INVALID, f"witness URL {url!r} must start with http:// or https://")
    table, _ = _tables()
    with store.write() as session:
        if session.execute(sa.select(table.c.name).where(table.c.name == key.name)).first() is not None:
            raise GovernError(WITNESS_EXISTS, f"witness {key.name} is already configured; remove it first")
        added = isoformat(utcnow())
        session.execute(sa.insert(table).values(name=key.name, url=url, vkey=key.vkey(), size=0, added=added))
        append(session, actor=actor, kind="witness.added", payload={"name": key.name, "url": url, "vkey": key.vkey()})
    return Witness(key.name, url, key, 0, added)


def remove_witness(store: Any, name: str, *, actor: str = "govern") -> None:
    """Remove a configured witness (its stored cosignatures stay); log ``witness.removed``."""
    import sqlalchemy as sa

    from ._log import append

    table, _ = _tables()
    with store.write() as session:
        if session.execute(sa.delete(table).where(table.c.name == name)).rowcount == 0:
            raise GovernError(WITNESS_MISSING, f"no witness named {name!r}; see `govern audit witness list`")
        append(session, actor=actor, kind="witness.removed", payload={"name": name})


def witness_checkpoint(store: Any, checkpoint: Checkpoint, *, actor: str = "govern") -> list[WitnessResult]:
    """Submit ``checkpoint`` to every configured witness; store each cosignature; log ``checkpoint.witnessed``.

    Returns one result per witness (errors are collected, not raised, so one unreachable witness
    does not hide the others' cosignatures).
    """
    import sqlalchemy as sa

    from ._log import TreeReader, append
    from ._merkle import consistency_path

    table, cosig = _tables()
    with store.read() as session:
        witnesses = list_witnesses(session)
    results: list[WitnessResult] = []
    for witness in witnesses:
        result = WitnessResult(witness.name)
        results.append(result)
        try:
            with store.read() as session:
                tree = TreeReader(session)
                size, line = submit(
                    witness, checkpoint, lambda old, tree=tree: consistency_path(old, checkpoint.size, tree.perfect)
                )
        except GovernError as exc:
            result.error = exc
            continue
        note = checkpoint.text() + line + "\n"
        timestamp = witness.key.cosignature(parse_checkpoint(note, source=witness.url)) or 0
        result.timestamp, result.line = timestamp, line
        with store.write() as session:
            session.execute(sa.update(table).where(table.c.name == witness.name).values(size=size))
            session.execute(
                sa.insert(cosig).values(witness=witness.name, size=checkpoint.size, timestamp=timestamp, note=note)
            )
            append(
                session,
                actor=actor,
                kind="checkpoint.witnessed",
                payload={"witness": witness.name, "size": checkpoint.size, "timestamp": timestamp},
            )
    return results


def stored_cosignatures(session: Any) -> list[tuple[str, Checkpoint]]:
    """Every stored cosigned note, as (witness name, parsed checkpoint with its signature lines)."""
    import sqlalchemy as sa

    _, cosig = _tables()
    rows = session.execute(sa.select(cosig.c.witness, cosig.c.note).order_by(cosig.c.size, cosig.c.id)).all()
    return [(r.witness, parse_checkpoint(r.note, source="ledger_cosignature")) for r in rows]


def with_cosignatures(checkpoint: Checkpoint, lines: list[str]) -> Checkpoint:
    """``checkpoint`` with the witnesses' signature lines appended (as a cosigned note is written)."""
    extra: list[Signature] = []
    for line in lines:
        extra.extend(parse_checkpoint(checkpoint.text() + line + "\n").signatures[len(checkpoint.signatures) :])
    return dataclasses.replace(checkpoint, signatures=checkpoint.signatures + tuple(extra))
