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
    fmt: Format = FormatOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Re-hash every entry, check links, sequence, Merkle root, head and checkpoint signatures.

    Exit 0 intact, 1 integrity failure (naming the first bad sequence number), 2 cannot verify.
    """
    from govern.ledger import verify as verify_ledger
    from govern.ledger import verify_export

    cp, keys = _checkpoint(checkpoint), _keys(public_key)
    if file is not None:
        if cp is not None and keys is None:
            with _open(workspace) as ws:  # trust the workspace's keys when none are given
                from govern.ledger import trusted_keys

                keys = trusted_keys(ws.store)
        report = verify_export(file, checkpoint=cp, keys=keys)
    else:
        with _open(workspace) as ws:
            report = verify_ledger(ws.store, checkpoint=cp, keys=keys, origin=ws.settings.origin)
    if fmt == "json":
        emit_json(report.to_dict())
        return
    anchors = f"; matches checkpoints at {', '.join(map(str, report.checkpoints))}" if report.checkpoints else ""
    typer.echo(f"ledger intact: {report.size} entries, head {report.head}, root {report.root}{anchors}")


@app.command("checkpoint")
def checkpoint(output: Path | None = OutputOption, workspace: Path | None = WorkspaceOption) -> None:
    """Sign the current head (Ed25519) and print or write the checkpoint."""
    from govern.ledger import create_checkpoint

    with _open(workspace) as ws:
        cp = create_checkpoint(ws.store, ws.settings)
    emit_text(cp.text(), output)


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
    fmt: Format = format_option(Format.NOTE, Format.PEM, help="note: verifier keys; pem: current key"),
    output: Path | None = OutputOption,
    workspace: Path | None = WorkspaceOption,
) -> None:
    """Export the public keys (current and retired) that verify this ledger's checkpoints."""
    from govern.ledger import load_signing_key, trusted_keys

    with _open(workspace) as ws:
        if fmt == "pem":
            from cryptography.hazmat.primitives import serialization

            key = load_signing_key(ws.settings.key_path, name=ws.settings.origin)
            text = (
                key.private.public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode()
            )
        else:
            text = trusted_keys(ws.store).dump()
    emit_text(text, output)


@app.command("rotate-key")
def rotate_key(workspace: Path | None = WorkspaceOption) -> None:
    """Retire the signing key and create a new one (old checkpoints stay verifiable)."""
    from govern.ledger import rotate_signing_key

    with _open(workspace) as ws:
        old, new = rotate_signing_key(ws.store, ws.settings)
    typer.echo(f"retired key {old.key_id}; new key {new.verifier_key()}")
