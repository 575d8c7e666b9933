"""``seedtrail integrity``: scan texts for abuse and find coordinated campaigns (files in, out)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer
from rich.table import Table

from seedtrail.cli.context import cli_msg, console
from seedtrail.cli.progress import progress
from seedtrail.core.errors import InvalidInput
from seedtrail.messages import Msg

#: This module's commands; seedtrail.cli.main adds them to the root app.
app = typer.Typer()

if TYPE_CHECKING:
    from seedtrail.integrity.scan import ScanResult
    from seedtrail.integrity.sources import Item

integrity_app = typer.Typer(help="Community integrity: diversion, duplicates, soft ads, campaigns.")
app.add_typer(integrity_app, name="integrity")

_INPUT = typer.Option(None, "--input", help="JSONL: id, text[, author, note_id, ts, kind].")
_WORLD = typer.Option(None, "--world", help="A world directory written by `seedtrail sim`.")
_STORE = typer.Option(False, "--store", help="Read comments and notes from the store.")
_WORKERS = typer.Option(1, "--workers", min=1, help="Processes for the per-text detectors.")
_DMS = typer.Option(
    None,
    "--dms",
    help="Opt-in: direct messages the community chose to send (JSONL: id, text, sender[, ts]).",
)


def _source(
    ctx: typer.Context, input_: Path | None, world: Path | None, store: bool
) -> tuple[Iterator[list[Item]], list[str], set[str]]:
    """Batches of items, brand names and declared notes from the one source given."""
    from seedtrail.integrity import sources

    if sum((input_ is not None, world is not None, store)) != 1:
        raise InvalidInput(Msg("problem.invalid-input.one_source"))
    if input_ is not None:
        return sources.read_jsonl(input_), [], set()
    if world is not None:
        return sources.read_world(world), *sources.world_brands(world)
    from seedtrail.cli.context import open_store

    st = open_store(ctx)
    brands, declared = sources.store_brands(st)
    return sources.read_store(st), brands, declared


def _scan(
    ctx: typer.Context,
    input_: Path | None,
    world: Path | None,
    store: bool,
    claim_terms: Path | None,
    diversion_terms: Path | None,
    workers: int = 1,
    dms: Path | None = None,
) -> ScanResult:
    from itertools import chain

    from seedtrail.integrity import sources
    from seedtrail.integrity.scan import Scanner

    batches, brands, declared = _source(ctx, input_, world, store)
    if dms is not None:
        batches = chain(batches, sources.read_dms(dms))
    scanner = Scanner(
        brands=brands,
        registered=declared,
        claim_terms=claim_terms,
        diversion_terms=diversion_terms,
    )
    with progress(cli_msg("cli.integrity.scanning")) as bar:

        def tick(stage: str, n: int) -> None:
            if stage == "scan":
                bar.advance(n)
            else:
                bar.say(cli_msg("cli.integrity.clustered"))

        return scanner.run(batches, tick, workers=workers)


@integrity_app.command("scan")
def scan_cmd(
    ctx: typer.Context,
    input_: Path | None = _INPUT,
    world: Path | None = _WORLD,
    store: bool = _STORE,
    output: Path = typer.Option(..., "--output", help="Findings JSONL (one line per text)."),
    flagged_only: bool = typer.Option(False, "--flagged-only", help="Only texts with labels."),
    claim_terms: Path | None = typer.Option(None, "--claim-terms", help="Your claims.toml."),
    diversion_terms: Path | None = typer.Option(
        None, "--diversion-terms", help="Your diversion.toml."
    ),
    workers: int = _WORKERS,
    dms: Path | None = _DMS,
) -> None:
    """Label each text (comments, notes, profiles; direct messages when sent): diversion,
    duplicate, soft_ad, claim, with findings (kind, value, span)."""
    res = _scan(ctx, input_, world, store, claim_terms, diversion_terms, workers, dms)
    counts: dict[str, int] = {}
    written = 0
    tmp = output.with_name(f".{output.name}.part")
    with tmp.open("wb") as fh:
        for rec in res.records():
            for lab in rec["labels"]:
                counts[lab] = counts.get(lab, 0) + 1
            if flagged_only and not rec["labels"]:
                continue
            fh.write(orjson.dumps(rec) + b"\n")
            written += 1
    tmp.replace(output)
    shown = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
    shown = shown or cli_msg("cli.integrity.nothing_flagged")
    counted = {"n": f"{len(res):,}", "lines": f"{written:,}", "out": str(output), "labels": shown}
    console.print(cli_msg("cli.integrity.scanned", **counted))


@integrity_app.command("campaigns")
def campaigns_cmd(
    ctx: typer.Context,
    input_: Path | None = _INPUT,
    world: Path | None = _WORLD,
    store: bool = _STORE,
    output: Path = typer.Option(..., "--output", help="Campaigns JSONL (one line per campaign)."),
    min_score: float = typer.Option(0.5, "--min-score", min=0.0, max=1.0),
    workers: int = _WORKERS,
) -> None:
    """Find coordinated campaigns: accounts, notes, comments, time span, score, evidence."""
    from seedtrail.integrity.campaigns import CampaignParams, find_campaigns

    res = _scan(ctx, input_, world, store, None, None, workers)
    act = res.activity()
    if len(act) == 0:
        raise InvalidInput(Msg("problem.invalid-input.campaign_fields"))
    with console.status(cli_msg("cli.integrity.dense_blocks")):
        found = find_campaigns(act, CampaignParams(min_score=min_score))
    tmp = output.with_name(f".{output.name}.part")
    with tmp.open("w", encoding="utf-8") as fh:
        for n, c in enumerate(found, 1):
            rec = {"campaign": n, **c.to_json(res.activity_ids)}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.replace(output)
    console.print(
        cli_msg("cli.integrity.campaigns", comments=f"{len(act):,}", n=len(found), out=str(output))
    )
    for n, c in enumerate(found[:10], 1):
        score = f"{c.score:.2f}"
        said = cli_msg("cli.integrity.campaign", n=n, score=score, summary=c.evidence["summary"][0])
        console.print("  " + said, highlight=False)


@integrity_app.command("evaluate")
def evaluate_cmd(
    part: list[str] = typer.Option(
        ["independent", "diversion", "injected"],
        "--part",
        help="independent (real text, sound and shape tables), diversion (tuning corpus), "
        "injected (campaign grid), world (needs --world).",
    ),
    world: Path | None = _WORLD,
    seeds: int = typer.Option(2, "--seeds", min=1, help="Seeds per injected setting."),
    organic: Path | None = typer.Option(
        None, "--organic", help="Real organic texts, one per line: list every text flagged."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Also write all figures here."),
) -> None:
    """Re-run the integrity evaluation and print its figures (docs/integrity.md explains them)."""
    parts = set(part) | ({"world"} if world is not None else set())
    parts |= {"organic"} if organic is not None else set()
    unknown = parts - {"independent", "diversion", "injected", "world", "organic"}
    if unknown:
        raise InvalidInput(Msg("problem.invalid-input.part", {"parts": ", ".join(sorted(unknown))}))
    report: dict[str, object] = {}
    for name in ("independent", "diversion", "injected", "world"):
        if name in parts:
            report[name] = _PARTS[name](world, seeds)
    if organic is not None:
        report["organic"] = _organic(organic)
    if json_out is not None:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        console.print(cli_msg("cli.integrity.eval.written", path=str(json_out)))


def _fig(value: float | None, digits: int = 4) -> str:
    """A figure, or ``n/a`` when its count was empty (never a perfect score by default)."""
    return cli_msg("cli.integrity.eval.na") if value is None else f"{value:.{digits}f}"


def _heads() -> tuple[str, str]:
    """The precision and recall columns' headings."""
    return cli_msg("cli.integrity.eval.col.precision"), cli_msg("cli.integrity.eval.col.recall")


def _organic(path: Path) -> dict[str, object]:
    """Flag rate on real organic texts: every flagged text is listed for a human to judge."""
    from seedtrail.integrity.scan import Scanner
    from seedtrail.integrity.sources import Item

    if not path.exists():
        raise InvalidInput(Msg("problem.invalid-input.path_missing", {"path": str(path)}))
    texts = sorted({line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()})
    scanner = Scanner()
    flagged = []
    for i, text in enumerate(texts):
        found = scanner.detect(Item(str(i), text))
        if found:
            flagged.append({"text": text, "findings": [f.to_json() for f in found]})
    per_10k = 10_000 * len(flagged) / max(1, len(texts))
    console.print(
        cli_msg(
            "cli.integrity.eval.organic",
            n=len(flagged),
            texts=f"{len(texts):,}",
            per_10k=f"{per_10k:.1f}",
        )
    )
    for item in flagged:
        kinds = ", ".join(f"{f['kind']}={f['value']}" for f in item["findings"])  # type: ignore[index]
        console.print(f"  {kinds} | {item['text'][:80]}", highlight=False, markup=False)
    return {"texts": len(texts), "flagged": len(flagged), "per_10k": round(per_10k, 2),
            "items": flagged}  # fmt: skip


def _eval_independent(world: Path | None, seeds: int) -> Any:
    """`integrity evaluate --part independent`: print its table, return its figures."""
    from seedtrail.integrity.evaluation.independent_eval import evaluate

    with console.status(cli_msg("cli.integrity.eval.independent_status")):
        ind = evaluate()
    table = Table(cli_msg("cli.integrity.eval.col.split"), *_heads(),
                  cli_msg("cli.integrity.eval.col.positives"),
                  cli_msg("cli.integrity.eval.col.negatives"),
                  cli_msg("cli.integrity.eval.col.fp_10k"),
                  title=cli_msg("cli.integrity.eval.independent_title"))  # fmt: skip
    for split, row in ind.items():
        table.add_row(split, _fig(row["precision"]), _fig(row["recall"]),
                      str(row["positives"]), str(row["negatives"]),
                      _fig(row["fp_per_10k_negatives"], 2))  # fmt: skip
    console.print(table)
    return ind


def _eval_diversion(world: Path | None, seeds: int) -> Any:
    """`integrity evaluate --part diversion`: print its table, return its figures."""
    from seedtrail.integrity.diversion import DiversionDetector
    from seedtrail.integrity.evaluation.diversion_corpus import generate
    from seedtrail.integrity.evaluation.diversion_eval import score

    div = score(generate(), DiversionDetector()).as_dict()
    table = Table(
        cli_msg("cli.integrity.eval.col.family"),
        cli_msg("cli.integrity.eval.col.recall"),
        title=cli_msg("cli.integrity.eval.tuning_title"),
    )
    for fam, r in div["recall_by_family"].items():
        table.add_row(fam, f"{r:.3f}")
    console.print(table)
    console.print(
        cli_msg(
            "cli.integrity.eval.tuning",
            recall=_fig(div["recall"]),
            precision=_fig(div["precision"]),
            fp=_fig(div["fp_per_10k_organic"], 2),
        )
    )
    return div


def _eval_injected(world: Path | None, seeds: int) -> Any:
    """`integrity evaluate --part injected`: print its table, return its figures."""
    from seedtrail.integrity.evaluation.campaign_eval import grid

    with console.status(cli_msg("cli.integrity.eval.injected_status")):
        rows = grid(seeds=range(1, seeds + 1))
    table = Table(cli_msg("cli.integrity.eval.col.density"),
                  cli_msg("cli.integrity.eval.col.camouflage"),
                  cli_msg("cli.integrity.eval.col.hijacked"), *_heads(), "F1",
                  cli_msg("cli.integrity.eval.col.min_f1"),
                  title=cli_msg("cli.integrity.eval.injected_title", seeds=seeds))  # fmt: skip
    for r in rows:
        table.add_row(str(r["density"]), str(r["camouflage"]), str(r["hijacked"]),
                      f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
                      f"{r['min_f1']:.3f}")  # fmt: skip
    console.print(table)
    return rows


def _eval_world(world: Path | None, seeds: int) -> Any:
    """`integrity evaluate --part world`: print its table, return its figures."""
    if world is None:
        raise InvalidInput(Msg("problem.invalid-input.part_world"))
    from seedtrail.integrity.evaluation.world_eval import evaluate_world

    with console.status(cli_msg("cli.integrity.eval.world_status", world=str(world))):
        rep = evaluate_world(world).as_dict()
    table = Table(cli_msg("cli.integrity.eval.col.content"),
                  cli_msg("cli.integrity.eval.col.label"), *_heads(),
                  cli_msg("cli.integrity.eval.col.truly_bad"),
                  cli_msg("cli.integrity.eval.col.flagged"),
                  cli_msg("cli.integrity.eval.col.fp_10k_clean"),
                  title=cli_msg("cli.integrity.eval.world_title", world=str(world)))  # fmt: skip
    for row in rep["scan"]["per_type"]:
        table.add_row(row["content"], row["label"], _fig(row["precision"]),
                      _fig(row["recall"]), str(row["actual"]), str(row["predicted"]),
                      _fig(row["fp_per_10k_clean"], 2))  # fmt: skip
    console.print(table)
    dup = rep["scan"]["duplicates"]
    console.print(
        cli_msg(
            "cli.integrity.eval.world",
            flagged=dup["flagged"],
            organic=_fig(dup["organic_share_of_flagged"]),
            precision=_fig(rep["campaigns"]["precision"]),
            recall=_fig(rep["campaigns"]["recall"]),
        )
    )
    return rep


_PARTS: dict[str, Callable[[Path | None, int], Any]] = {
    "independent": _eval_independent,
    "diversion": _eval_diversion,
    "injected": _eval_injected,
    "world": _eval_world,
}
