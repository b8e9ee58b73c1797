"""`govern audit ...` commands: read, verify, checkpoint, prove, export the ledger.

Exit codes: 0 intact / valid, 1 integrity failure (``VerificationError``), 2 cannot verify.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ._codes import PROOF_MALFORMED
from ._common import Format, WorkspaceOption, emit_json, emit_text, format_option

app = typer.Typer(help="Audit ledger: read, verify, checkpoint, prove, export.", no_args_is_help=True)

FormatOption = format_option(Format.TEXT, Format.JSON)
CheckpointOption = typer.Option(None, "--checkpoint", help="Signed checkpoint file")
OutputOption = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout")
PublicKeyOption = typer.Option(None, "--public-key", help="Verifier key(s) or PEM public key to trust")


def _open(workspace: Path | None) -> Any:
    from govern.workspace import Workspace

    return Workspace.open(workspace)


def _keys(path: Path | None) -> Any:
    from govern.ledger import KeyRing

    return KeyRing.read(path) if path is not None else None


def _checkpoint(path: Path | None) -> Any:
    from govern.ledger import read_checkpoint

    return read_checkpoint(path) if path is not None else None


@app.command("log")
def log(
    since: int = typer.Option(0, "--since", help="Only entries after this sequence number"),
    kind: str | None = typer.Option(None, "--kind", help="Only entries of this kind"),
    limit: int | None = typer.Option(None, "--limit", help="At most this many entries"),
    fmt: Format = FormatOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Print ledger entries in sequence order."""
    from govern.ledger import iter_entries

    with _open(workspace) as ws, ws.store.read() as session:
        entries = list(iter_entries(session, since=since, kind=kind, limit=limit))
    if fmt == "json":
        emit_json([e.to_dict() for e in entries])
        return
    emit_text("".join(f"{e.seq}\t{e.time}\t{e.actor}\t{e.kind}\t{e.payload_text}\n" for e in entries))


@app.command("verify")
def verify(
    checkpoint: Path | None = CheckpointOption,
    file: Path | None = typer.Option(None, "--file", help="Verify this exported JSONL file offline"),
    public_key: Path | None = PublicKeyOption,
    witness_policy: Path | None = typer.Option(
        None, "--witness-policy", help="C2SP tlog-policy file: require a quorum of witness cosignatures"
    ),
    fmt: Format = FormatOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Re-hash every entry, check links, sequence, Merkle root, head and checkpoint signatures.

    With --witness-policy, the witnesses' cosignatures (stored, or on --checkpoint with --file)
    must meet the policy's quorum and every cosigned checkpoint must match the log.
    Exit 0 intact, 1 integrity failure (naming the first bad sequence number), 2 cannot verify.
    """
    from govern.ledger import WitnessPolicy, verify_export
    from govern.ledger import verify as verify_ledger

    cp, keys = _checkpoint(checkpoint), _keys(public_key)
    policy = WitnessPolicy.read(witness_policy) if witness_policy is not None else None
    if file is not None:
        if cp is not None and keys is None:
            with _open(workspace) as ws:  # trust the workspace's keys when none are given
                from govern.ledger import trusted_keys

                keys = trusted_keys(ws.store)
        report = verify_export(file, checkpoint=cp, keys=keys, witness_policy=policy)
    else:
        with _open(workspace) as ws:
            report = verify_ledger(ws.store, checkpoint=cp, keys=keys, origin=ws.settings.origin, witness_policy=policy)
    if fmt == "json":
        emit_json(report.to_dict())
        return
    anchors = f"; matches checkpoints at {', '.join(map(str, report.checkpoints))}" if report.checkpoints else ""
    typer.echo(f"ledger intact: {report.size} entries, head {report.head}, root {report.root}{anchors}")
    for name, size in sorted(report.witnesses.items()):
        typer.echo(f"witnessed: {name} cosigned the log at size {size}")


@app.command("checkpoint")
def checkpoint(
    output: Path | None = OutputOption,
    no_witness: bool = typer.Option(False, "--no-witness", help="Do not submit it to the configured witnesses"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Sign the current head (Ed25519), have every configured witness cosign it, print or write it.

    The output carries the witnesses' cosignature lines. A witness that cannot cosign is named on
    stderr after the checkpoint is written (exit 1 if it found the log inconsistent, else 2).
    """
    from govern.ledger import create_checkpoint, with_cosignatures, witness_checkpoint

    with _open(workspace) as ws:
        cp = create_checkpoint(ws.store, ws.settings)
        results = [] if no_witness else witness_checkpoint(ws.store, cp)
    emit_text(with_cosignatures(cp, [r.line for r in results if r.line]).text(), output)
    failed = [r for r in results if r.error is not None]
    for r in failed:
        typer.echo(f"witness {r.witness}: {r.error}", err=True)
    if failed and failed[0].error is not None:
        raise failed[0].error


@app.command("prove")
def prove(
    seq: int = typer.Argument(..., help="Sequence number of the entry"),
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="Prove against this checkpoint (default: newest stored one covering SEQ)"
    ),
    output: Path | None = OutputOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Print an inclusion proof (JSON) of entry SEQ against a signed checkpoint."""
    from govern.ledger import prove_inclusion

    cp = _checkpoint(checkpoint)
    with _open(workspace) as ws, ws.store.read() as session:
        proof = prove_inclusion(session, seq, checkpoint=cp)
    emit_json(proof, output)


@app.command("consistency")
def consistency(
    old: int = typer.Argument(..., help="Older tree size"),
    new: int | None = typer.Argument(None, help="Newer tree size (default: current)"),
    output: Path | None = OutputOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Print a consistency proof (JSON) that the log of OLD entries is a prefix of the log of NEW."""
    from govern.ledger import prove_consistency

    with _open(workspace) as ws, ws.store.read() as session:
        proof = prove_consistency(session, old, new)
    emit_json(proof, output)


@app.command("verify-proof")
def verify_proof(
    proof: Path | None = typer.Argument(None, help="Proof JSON from `prove` or `consistency`"),
    public_key: Path | None = typer.Option(None, "--public-key", help="Verifier key(s) or PEM public key to trust"),
    checkpoint: Path | None = typer.Option(None, "--checkpoint", help="Checkpoint (the newer one for consistency)"),
    old_checkpoint: Path | None = typer.Option(None, "--old-checkpoint", help="Older checkpoint (consistency)"),
    origin: str | None = typer.Option(None, "--origin", help="Require this log origin"),
    pdf: Path | None = typer.Option(None, "--pdf", help="Verify the evidence embedded in this report PDF instead"),
) -> None:
    """Check a proof offline from the proof, checkpoint(s) and public key alone (no database).

    With --pdf REPORT.pdf, check a report's attachments: the checkpoint, each decision's inclusion
    proof, and each decision against its ledger entry (key: --public-key, else the report's own).
    """
    from govern.core import GovernError, Location
    from govern.ledger import verify_proof as check

    if pdf is not None:
        from govern.reports import verify_report

        report = verify_report(pdf, keys=_keys(public_key), origin=origin)
        typer.echo(
            f"report valid: {report.decisions} decisions, each proven in the log of {report.tree_size} "
            f"entries; checkpoint signed by {report.key}"
        )
        if report.key_from_report:
            typer.echo("note: the key is the report's own; compare it with `govern audit public-key`", err=True)
        return
    if proof is None or public_key is None:
        raise typer.BadParameter("give PROOF and --public-key, or --pdf REPORT.pdf")
    try:
        data = json.loads(proof.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise GovernError(PROOF_MALFORMED, f"cannot read the proof: {exc}", Location(str(proof))) from None
    if not isinstance(data, dict):
        raise GovernError(PROOF_MALFORMED, "a proof is a JSON object", Location(str(proof)))
    result = check(
        data,
        keys=_keys(public_key),
        checkpoint=_checkpoint(checkpoint),
        old_checkpoint=_checkpoint(old_checkpoint),
        origin=origin,
    )
    if result["type"] == "inclusion":
        typer.echo(f"proof valid: entry {result['seq']} is in the log of {result['tree_size']} entries")
    else:
        typer.echo(
            f"proof valid: the log of {result['old_size']} entries is a prefix of the log of {result['new_size']}"
        )


@app.command("export")
def export(
    output: Path = typer.Option(..., "--output", "-o", help="JSONL file to write"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Write every entry's canonical bytes, one per line (verify it with `verify --file`)."""
    from govern.ledger import export as export_ledger

    with _open(workspace) as ws:
        count = export_ledger(ws.store, output)
    typer.echo(f"exported {count} entries to {output}")


@app.command("public-key")
def public_key(
    fmt: Format = format_option(
        Format.NOTE,
        Format.VKEYS,
        Format.PEM,
        help="note: signed key list with lifetimes; vkeys: verifier keys only; pem: current key",
    ),
    output: Path | None = OutputOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Export the public keys (current and retired) that verify this ledger's checkpoints.

    The default is a signed key list: each key with its valid-from and retired-at times and the
    tree head it was retired at, signed by the current key. Offline verifiers given this file
    refuse a checkpoint a key signed after its retirement; plain vkeys and PEM carry no lifetime.
    """
    from govern.ledger import export_key_list, load_signing_key, trusted_keys

    with _open(workspace) as ws:
        if fmt == "pem":
            from cryptography.hazmat.primitives import serialization

            key = load_signing_key(ws.settings.key_path, name=ws.settings.origin)
            text = (
                key.private.public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode()
            )
        elif fmt == Format.VKEYS:
            text = trusted_keys(ws.store).dump()
        else:
            text = export_key_list(ws.store, ws.settings)
    emit_text(text, output)


@app.command("rotate-key")
def rotate_key(workspace: Path | None = WorkspaceOption) -> None:
    """Retire the signing key and create a new one (old checkpoints stay verifiable)."""
    from govern.ledger import rotate_signing_key

    with _open(workspace) as ws:
        old, new = rotate_signing_key(ws.store, ws.settings)
    typer.echo(f"retired key {old.key_id}; new key {new.verifier_key()}")


witness_app = typer.Typer(
    help="Witnesses that cosign this ledger's checkpoints (C2SP tlog-witness).", no_args_is_help=True
)
app.add_typer(witness_app, name="witness")


@witness_app.command("add")
def witness_add(
    url: str = typer.Argument(..., help="The witness's submission URL prefix (add-checkpoint is appended)"),
    vkey: str = typer.Argument(..., help="The witness's Ed25519 cosignature vkey <name>+<id>+<base64(0x04||key)>"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Configure a witness; `audit checkpoint` then submits every checkpoint to it."""
    from govern.ledger import add_witness

    with _open(workspace) as ws:
        witness = add_witness(ws.store, url, vkey, actor=ws.actor)
    typer.echo(f"added witness {witness.name} at {witness.url}")


@witness_app.command("list")
def witness_list(
    fmt: Format = typer.Option("text", "--format", help="text or json"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """List the configured witnesses with the size each last cosigned."""
    from govern.ledger import list_witnesses

    with _open(workspace) as ws, ws.store.read() as session:
        witnesses = list_witnesses(session)
    rows = [{"name": w.name, "url": w.url, "vkey": w.key.vkey(), "size": w.size, "added": w.added} for w in witnesses]
    if fmt == "json":
        emit_json(rows)
        return
    emit_text("".join(f"{r['name']}\t{r['url']}\tsize {r['size']}\t{r['vkey']}\n" for r in rows))


@witness_app.command("remove")
def witness_remove(
    name: str = typer.Argument(..., help="Witness name (as `audit witness list` prints it)"),
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Stop submitting checkpoints to a witness (its stored cosignatures stay)."""
    from govern.ledger import remove_witness

    with _open(workspace) as ws:
        remove_witness(ws.store, name, actor=ws.actor)
    typer.echo(f"removed witness {name}")
