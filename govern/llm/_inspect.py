"""Inspect AI eval logs: the ``.eval`` zip and the ``.json`` log format.

Both hold the same log: ``eval`` (task, task version, model, dataset, scorers, package versions),
``plan``, ``results`` (Inspect's own metrics per scorer) and the samples, each with a ``scores``
entry per scorer. The ``.eval`` zip keeps them as ``header.json`` and ``samples/<id>_epoch_<n>.json``
members, compressed with zstd by current Inspect (``zstandard`` reads them on Python < 3.14).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

from govern.core import GovernError, Location, json_digest

from ._codes import LLM_RESULTS_INVALID, LLM_RESULTS_UNREADABLE
from ._doc import At, as_text, parse_json
from ._results import EvalResults, SampleOutcome

_ZSTD = 93  # the zip compression method of zstd
_VALUE_SCORES = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}  # Inspect's CORRECT, INCORRECT, PARTIAL, NOANSWER


def looks_like_inspect(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("eval"), dict) and "task" in doc["eval"] and "status" in doc


def read_inspect_json(doc: dict[str, Any], at: At) -> EvalResults:
    samples = at.need(doc, "samples", list)
    return _read_log(doc, [(at["samples"][i], s) for i, s in enumerate(samples)], at)


def read_inspect_zip(path: Path) -> EvalResults:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise GovernError(LLM_RESULTS_UNREADABLE, "no such file", Location(str(path))) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise GovernError(
            LLM_RESULTS_INVALID, f"not a readable Inspect .eval zip: {exc}", Location(str(path))
        ) from None
    with archive:
        names = archive.namelist()
        if "header.json" not in names:
            raise GovernError(
                LLM_RESULTS_INVALID, "no header.json: the run did not finish writing its log", Location(str(path))
            )
        header = _member(archive, path, "header.json")
        samples = [_member(archive, path, n) for n in sorted(names) if n.startswith("samples/") and n.endswith(".json")]
    return _read_log(header[1], samples, header[0])


def _member(archive: zipfile.ZipFile, path: Path, name: str) -> tuple[At, Any]:
    at = At(f"{path}!{name}")
    info = archive.getinfo(name)
    try:
        if info.compress_type == _ZSTD and not _zstd_supported():
            data = _unzstd(path, info, at)
        else:
            data = archive.read(info)
        text = data.decode("utf-8")
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, UnicodeDecodeError, NotImplementedError) as exc:
        at.fail(f"cannot read this member: {exc}")
    return at, parse_json(text, at)


def _zstd_supported() -> bool:
    return getattr(zipfile, "ZIP_ZSTANDARD", None) == _ZSTD  # Python >= 3.14


def _unzstd(path: Path, info: zipfile.ZipInfo, at: At) -> bytes:
    """The bytes of a zstd member, decompressed with ``zstandard`` (Python < 3.14)."""
    try:
        import zstandard
    except ImportError:
        raise GovernError(
            LLM_RESULTS_UNREADABLE,
            "this Inspect log is zstd-compressed; install zstandard (pip install 'govern[llm]')",
            at.location(),
        ) from None
    with path.open("rb") as f:  # the local header says where the member's compressed bytes start
        f.seek(info.header_offset)
        local = f.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            at.fail("the member's local header is missing (truncated zip)")
        f.seek(int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little"), 1)
        compressed = f.read(info.compress_size)
    try:
        data = zstandard.ZstdDecompressor().stream_reader(compressed, read_across_frames=True).read()
    except zstandard.ZstdError as exc:
        at.fail(f"cannot decompress: {exc}")
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        at.fail("the member is truncated or corrupt (size or CRC mismatch)")
    return data


def _read_log(doc: dict[str, Any], samples: list[tuple[At, Any]], at: At) -> EvalResults:
    status = at.need(doc, "status", str)
    if status != "success":
        at["status"].fail(f"the run's status is {status!r}: only a finished run ('success') is evidence")
    e_at = at["eval"]
    ev = at.need(doc, "eval", dict)
    task = e_at.need(ev, "task", str)
    packages = e_at.need(ev, "packages", dict)
    version = e_at["packages"].need(packages, "inspect_ai", str)
    scorers = [e_at["scorers"][i].need(s, "name", str) for i, s in enumerate(e_at.need(ev, "scorers", list))]
    if not scorers:
        e_at["scorers"].fail("the task has no scorer")
    config = e_at.need(ev, "config", dict)
    epochs = e_at["config"].opt(config, "epochs", int) or 1

    results = at.need(doc, "results", dict)
    r_at = at["results"]
    summary: dict[str, float] = {
        "total_samples": r_at.need(results, "total_samples", float),
        "completed_samples": r_at.need(results, "completed_samples", float),
    }
    for i, score in enumerate(r_at.need(results, "scores", list)):
        s_at = r_at["scores"][i]
        name = s_at.need(score, "name", str)
        for key, metric in s_at.need(score, "metrics", dict).items():
            summary[f"{name}/{key}"] = s_at["metrics"][key].need(metric, "value", float)

    if summary["completed_samples"] and not samples:
        at.fail("the log holds no samples (run with log_samples): its summary cannot be checked")
    outcomes: list[SampleOutcome] = []
    for s_at, sample in samples:
        sample_id = as_text(s_at.need(sample, "id", object))
        epoch = s_at.need(sample, "epoch", int)
        scores = s_at.need(sample, "scores", dict)
        for scorer in scorers:
            if scorer not in scores:
                s_at["scores"].fail(f"no score from scorer {scorer!r}")
            value = s_at["scores"][scorer].need(scores[scorer], "value", object)
            passed, number = _judge(value, s_at["scores"][scorer]["value"])
            ident = sample_id + (f"/{epoch}" if epochs > 1 else "") + (f"/{scorer}" if len(scorers) > 1 else "")
            outcomes.append(
                SampleOutcome(
                    task, ident, passed, number, {"scorer": scorer, "epoch": str(epoch), "value": as_text(value)}
                )
            )

    dataset = e_at.need(ev, "dataset", dict)
    reproducibility = {f"package.{name}": e_at["packages"][name].check(v, str) for name, v in packages.items()}
    reproducibility |= {
        "task_version": as_text(e_at.need(ev, "task_version", object)),
        "model": e_at.need(ev, "model", str),
        "scorers": ",".join(scorers),
        "epochs": str(epochs),
        "task_args_digest": json_digest(ev.get("task_args") or {}),
        "plan_digest": json_digest(doc.get("plan") or {}),
    }
    for key in ("task_file", "task_registry_name"):
        if isinstance(ev.get(key), str):
            reproducibility[key] = ev[key]
    for key in ("name", "location", "samples"):
        if dataset.get(key) is not None:
            reproducibility[f"dataset.{key}"] = as_text(dataset[key])
    revision = ev.get("revision")
    if isinstance(revision, dict) and isinstance(revision.get("commit"), str):
        reproducibility["revision.commit"] = revision["commit"]
    return EvalResults("inspect", version, outcomes, {task: summary}, reproducibility)


def _judge(value: Any, at: At) -> tuple[bool, float]:
    """Inspect's verdict and number for one score value: C/I/P/N, a boolean or a number."""
    if isinstance(value, str) and value in _VALUE_SCORES:
        return value == "C", _VALUE_SCORES[value]
    if isinstance(value, bool):
        return value, float(value)
    if isinstance(value, int | float):
        number = at.number(value)
        return number >= 1.0, number
    at.fail("expected a score value C, I, P, N, a boolean or a number")
