"""The safeguard engine: reads the rules of `reference.safeguards` and applies them.

No rule is written here or in the generator. A rule tests one plan quantity (its
`condition.field`, measured by the generator or the validator) against a threshold when its
`applicable_when` condition holds for the runner and the week, and then caps, reduces, blocks,
warns or asks for confirmation. Every check of an applicable rule is recorded, applied or not.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from transforms.completeness import value_at

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
_CLAUSE = re.compile(r"^(?P<path>[\w.]+)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>.+)$")
_MEMBERSHIP = re.compile(r"^(?P<path>[\w.]+)\s+in\s+\[(?P<values>.*)\]$")


WARNING_ACTIONS = ("warn", "require_confirmation")
"""Actions that tell the runner something and leave the plan as it is."""


@dataclass(frozen=True)
class Rule:
    safeguard_id: str
    name: str
    field: str
    operator: str
    threshold: float | None
    threshold_values: tuple[str, ...]
    applicable_when: str
    action: str
    adjustment: float | None
    message: str
    severity: str
    priority: int
    is_hard: bool
    knowledge_id: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Rule:
        condition, action = row["condition"], row["action"]
        return cls(
            safeguard_id=row["safeguard_id"],
            name=row["name"],
            field=condition["field"],
            operator=condition["operator"],
            threshold=condition["threshold"],
            threshold_values=tuple(condition["threshold_values"] or ()),
            applicable_when=condition["applicable_when"] or "always",
            action=action["type"],
            adjustment=action["adjustment"],
            message=action["message"],
            severity=action["severity"],
            priority=row["priority"],
            is_hard=bool(row["is_hard"]),
            knowledge_id=row["knowledge_id"],
        )

    @property
    def bound(self) -> float | None:
        """The value a cap holds a quantity to: its adjustment, or else its threshold."""
        return self.adjustment if self.adjustment is not None else self.threshold

    def fires(self, value: Any) -> bool:
        if self.operator == "in":
            return str(value) in self.threshold_values
        if self.operator == "not_in":
            return str(value) not in self.threshold_values
        return COMPARISONS[self.operator](value, self.threshold)

    def describe(self) -> str:
        limit = self.threshold_values if self.operator in ("in", "not_in") else self.threshold
        return f"{self.field} {self.operator} {_number(limit)}"


def rules_from_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[Rule, ...]:
    """Active rules in evaluation order (lower priority first)."""
    active = (Rule.from_row(r) for r in rows if r.get("is_active", True))
    return tuple(sorted(active, key=lambda r: (r.priority, r.safeguard_id)))


def _literal(text: str) -> Any:
    text = text.strip().strip("'\"")
    if text in ("true", "false"):
        return text == "true"
    try:
        return float(text)
    except ValueError:
        return text


def condition_holds(expression: str, context: Mapping[str, Any]) -> bool:
    """Evaluate an `applicable_when` expression against the runner/week context."""
    for clause in (c.strip() for c in expression.split(" and ")):
        if not _clause_holds(clause, context):
            return False
    return True


def _clause_holds(clause: str, context: Mapping[str, Any]) -> bool:
    if clause == "always":
        return True
    if clause.endswith(" is not empty"):
        return bool(value_at(context, clause.removesuffix(" is not empty")))
    if clause.endswith(" is empty"):
        return not value_at(context, clause.removesuffix(" is empty"))
    if membership := _MEMBERSHIP.match(clause):
        values = {_literal(v) for v in membership["values"].split(",")}
        return value_at(context, membership["path"]) in values
    comparison = _CLAUSE.match(clause)
    if comparison is None:
        raise ValueError(f"cannot read the safeguard condition {clause!r}")
    value = value_at(context, comparison["path"])
    if value is None:
        return False
    return COMPARISONS[comparison["op"]](value, _literal(comparison["value"]))


@dataclass
class Check:
    """The outcome of checking one quantity against every applicable rule."""

    value: float
    blocked: bool = False
    warnings: list[str] = field(default_factory=list)
    applications: list[dict[str, Any]] = field(default_factory=list)
    applied_rules: list[Rule] = field(default_factory=list)


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _act(rule: Rule, value: float) -> float:
    if rule.action == "reduce":
        return value * (1 - (rule.adjustment or 0) / 100)
    if rule.action != "cap":
        return value
    limit = rule.bound
    if limit is None:
        return value
    return min(value, limit) if rule.operator in (">", ">=") else max(value, limit)


class SafeguardEngine:
    """The rules that apply to one runner, checked quantity by quantity."""

    def __init__(self, rules: Iterable[Rule], runner: Mapping[str, Any]):
        self.rules = tuple(rules)
        self.runner = runner
        self.applications: list[dict[str, Any]] = []
        # conditions on the runner alone are settled once; those on the week stay open
        self._by_field: dict[str, list[tuple[Rule, bool | None]]] = {}
        for rule in self.rules:
            settled = (
                None
                if "week." in rule.applicable_when
                else condition_holds(rule.applicable_when, runner)
            )
            if settled is not False:
                self._by_field.setdefault(rule.field, []).append((rule, settled))

    def applicable(self, field_name: str, week: Mapping[str, Any] | None = None) -> list[Rule]:
        context = {**self.runner, "week": week or {}}
        return [
            rule
            for rule, settled in self._by_field.get(field_name, ())
            if settled or (settled is None and condition_holds(rule.applicable_when, context))
        ]

    def limit(self, field_name: str, week: Mapping[str, Any] | None = None) -> float | None:
        """The tightest cap the applicable rules put on an upper-bounded quantity."""
        caps = [
            cap
            for r in self.applicable(field_name, week)
            if r.action == "cap" and r.operator in (">", ">=")
            if (cap := r.bound) is not None
        ]
        return min(caps) if caps else None

    def blocked_through(self, field_name: str, week: Mapping[str, Any] | None = None) -> int | None:
        """The largest whole value the applicable block rules forbid on a lower-bounded
        quantity (`days_from_long_run_to_race <= 14` forbids 1 to 14), or None."""
        bounds = [
            int(r.threshold) - (r.operator == "<")
            for r in self.applicable(field_name, week)
            if r.action == "block" and r.operator in ("<", "<=") and r.threshold is not None
        ]
        return max(bounds) if bounds else None

    def check(
        self,
        field_name: str,
        value: float | None,
        *,
        week_number: int,
        week: Mapping[str, Any] | None = None,
        session_id: str | None = None,
        subject: float | None = None,
        convert: Callable[[float], float] | None = None,
        record_unapplied: bool = True,
    ) -> Check:
        """Check `value` of `field_name`, applying the rules in priority order.

        `subject` is the plan value the actions change when it is not the tested value
        itself (a reduce rule on ACWR cuts the week's volume); `convert` maps the adjusted
        tested value back to the subject (a capped share back to kilometres). Re-checks of a
        settled week pass `record_unapplied=False` so only changes are recorded again.
        """
        target = value if subject is None else subject
        result = Check(value=target if target is not None else 0.0)
        if value is None:
            return result
        tested = value
        for rule in self.applicable(field_name, week):
            fired = rule.fires(tested)
            before = result.value
            if fired:
                if rule.action == "block":
                    result.blocked = True
                elif rule.action in WARNING_ACTIONS:
                    result.warnings.append(rule.message)
                elif subject is None:
                    tested = _act(rule, tested)
                    result.value = tested
                elif rule.action == "reduce":
                    result.value = _act(rule, result.value)
                else:
                    tested = _act(rule, tested)
                    result.value = convert(tested) if convert else result.value
                result.applied_rules.append(rule)
            application = {
                "safeguard_id": rule.safeguard_id,
                "week_number": week_number,
                "session_id": session_id,
                "applied": fired,
                "original_value": round(float(before), 3),
                "adjusted_value": round(float(result.value), 3),
                "reason": rule.message
                if fired
                else f"{field_name} {_number(float(value))} within {rule.describe()}: no change",
            }
            result.applications.append(application)
            if fired or record_unapplied:
                self.applications.append(application)
        return result

    def violations(
        self, measures: Mapping[str, float | None], week: Mapping[str, Any] | None = None
    ) -> list[tuple[Rule, float]]:
        """Hard rules a finished week breaks (no actions taken, nothing recorded), judged at
        the precision plans are shown in (0.1 km, 0.1 %, 0.1 min)."""
        return [
            (rule, value)
            for field_name, value in measures.items()
            if value is not None
            for rule in self.applicable(field_name, week)
            if rule.is_hard and rule.action in ("cap", "block") and rule.fires(round(value, 1))
        ]
