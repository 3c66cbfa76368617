"""Live scoring: the layout's rules compiled to form JavaScript, so the viewer shows the score.

One rule vocabulary, two back ends. assess/score.py applies the rules in Python when a form is read;
here the same rules become data (a plain object literal) for a generic runtime in ES3
(live_runtime.js), run by each calculated field's calculate action. No form has JavaScript of its
own: a layout places a `live` block and everything else follows from its `scoring`.

live_runtime.js is embedded in every form byte for byte, so its own header comment still names the
modules by their paths before the stage packages (live.py, score.py): editing it would change every
form's bytes, and forms/*.pdf are held byte-identical.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from cse_pdf.form.derived import fields_of, unanswered_ids
from cse_pdf.form.spec import FormSpec


# Runtimes embedded in forms generated earlier, which are still out with agencies and coming back: their
# calculate actions must still be recognised as the form's own when a return is stamped (returned/disarm.py).
EARLIER_RUNTIMES = ("live_runtime_before_month_names.js",)


@lru_cache(maxsize=None)
def runtime(name: str = "live_runtime.js") -> str:
    return resources.files("cse_pdf.blank").joinpath(name).read_text(encoding="utf-8")


def program(spec: FormSpec) -> dict[str, Any]:
    """The form's rules and the few facts about its fields the runtime needs, as plain data."""
    sc = spec.scoring
    assert sc is not None
    referenced: set[str] = set(unanswered_ids(spec))
    for rule in sc.rules:
        referenced.update(fields_of(rule, sc))
    fields = [f for f in spec.fields if f.id in referenced]
    return {
        "levels": [{"level": lv.level, "label": lv.label} for lv in sc.levels],
        "groups": {name: list(ids) for name, ids in sc.groups.items()},
        "total": sc.total,
        "rules": [rule.model_dump(mode="json", by_alias=True, exclude_none=True) for rule in sc.rules],
        "types": {f.id: f.type for f in fields},
        "labels": {f.id: f.label for f in fields},
        "options": {f.id: {o.value: o.label for o in f.options} for f in fields if f.options},
        "unanswered": unanswered_ids(spec),
    }


def calculate_script(spec: FormSpec, what: str, runtime_file: str = "live_runtime.js") -> str:
    """The calculate action of one calculated field: runtime, the form's rules, one call."""
    data = json.dumps(program(spec), ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return f"{runtime(runtime_file)}\nvar P = {data};\nevent.value = cseShow(this, P, {json.dumps(what)});\n"


def every_calculate_script(spec: FormSpec, what: str) -> set[str]:
    """The calculate action as today's forms carry it and as forms generated with an earlier runtime do."""
    return {calculate_script(spec, what, name) for name in ("live_runtime.js", *EARLIER_RUNTIMES)}
