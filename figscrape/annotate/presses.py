"""What the app's browser sends: key presses, each with the browser instance's sequence number and
its panel, applied in order in one write transaction and acknowledged. A press sent again (a resend
after a failed save, a rerun that was cut short) finds its row by (annotator, instance:seq) and is
not stored twice; skips are kept per annotator in their own table, not as votes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from figscrape.annotate.actions import Label, checked
from figscrape.data.db import write_session
from figscrape.data.models import Annotation, Skip
from figscrape.data.votes import WITHDRAWN

KINDS = ("label", "withdraw", "skip", "unskip")


@dataclass(frozen=True)
class Press:
    seq: int
    panel_id: int
    kind: str  # label, withdraw (an undo of a label), skip, unskip (an undo of a skip)
    label: Label = Label("")


@dataclass
class Applied:
    acked: int  # the highest sequence number now stored (every press up to it is in the database)
    saved: int = 0  # rows written now
    again: int = 0  # presses the database already had
    problems: list[str] = field(default_factory=list)


def parse(raw: Mapping) -> Press:
    """One press as the browser sends it (JSON), checked; ValueError says what is wrong."""
    kind = str(raw.get("kind", ""))
    if kind not in KINDS:
        raise ValueError(f"press kind must be one of {KINDS}, not {kind!r}")
    age = raw.get("age")
    age = int(age) if isinstance(age, (int, float)) or (isinstance(age, str) and age.strip().isdigit()) else None
    label = Label(str(raw.get("is_ct", "")), str(raw.get("diagnosis", "") or ""), str(raw.get("patient", "") or ""),
                  age, str(raw.get("sex", "") or ""), str(raw.get("note", "") or ""))
    if kind == "label":
        checked(label)
    return Press(int(raw["seq"]), int(raw["panel"]), kind, label)


def apply_sent(engine: Engine, annotator: str, instance: str, raws: Iterable, after: int = 0) -> Applied:
    """The presses as a page sent them (JSON), each checked, the good ones stored. Every press sent
    is acknowledged when none was refused; a refused one is named in `problems`."""
    parsed, refused, sent = [], [], [after]
    for raw in raws:
        if not isinstance(raw, Mapping):
            refused.append(f"press refused: {type(raw).__name__}, not an object")
            continue
        try:
            parsed.append(parse(raw))
        except (ValueError, KeyError, TypeError) as exc:
            refused.append(f"press {raw.get('seq', '?')} refused: {exc}")
            continue
        sent.append(parsed[-1].seq)
    result = apply_presses(engine, annotator, instance, parsed, after=after)
    if not refused:
        result.acked = max(sent + [result.acked])
    result.problems[:0] = refused
    return result


def client_key(instance: str, seq: int) -> str:
    return f"{instance[:40]}:{seq}"


def apply_presses(engine: Engine, annotator: str, instance: str, presses: Iterable[Press], after: int = 0) -> Applied:
    """Stores the presses numbered above `after`, in their order, in one transaction; returns what
    is now acknowledged. A press whose key the database holds for another panel is refused."""
    todo = sorted((p for p in presses if p.seq > after), key=lambda p: p.seq)
    result = Applied(acked=after)
    if not todo:
        return result
    keys = {client_key(instance, p.seq): p for p in todo}
    for attempt in (1, 2):  # a second writer with the same instance (two tabs restored from one) wins the race once
        try:
            with write_session(engine) as s:
                have = dict(s.execute(select(Annotation.client_key, Annotation.panel_id)
                                      .where(Annotation.annotator == annotator, Annotation.client_key.in_(list(keys)))).all())
                saved = again = 0
                for key, p in keys.items():
                    if key in have:
                        again += 1
                        if have[key] != p.panel_id:
                            result.problems.append(f"press {p.seq} was stored for panel {have[key]}, not {p.panel_id}")
                        continue
                    if p.kind in ("label", "withdraw"):
                        lab = p.label if p.kind == "label" else Label(WITHDRAWN)
                        s.add(Annotation(panel_id=p.panel_id, annotator=annotator, is_ct=lab.is_ct,
                                         diagnosis=lab.diagnosis if lab.is_ct == "yes" else "", patient_key=lab.patient_key.strip(),
                                         age=lab.age, sex=lab.sex, note=lab.note.strip(), client_key=key))
                        s.flush()  # in order: ids follow the presses
                    elif p.kind == "skip":  # a skip sent again finds its row; an unskip sent again finds none
                        if s.scalar(select(Skip.id).where(Skip.annotator == annotator, Skip.panel_id == p.panel_id)) is not None:
                            again += 1
                            continue
                        s.add(Skip(panel_id=p.panel_id, annotator=annotator))
                        s.flush()
                    elif not s.execute(delete(Skip).where(Skip.annotator == annotator, Skip.panel_id == p.panel_id)).rowcount:
                        again += 1
                        continue
                    saved += 1
            break
        except IntegrityError:
            if attempt == 2:
                raise
    result.saved, result.again, result.acked = saved, again, todo[-1].seq
    return result
