"""Every warehouse table's contract, by qualified name (`schema.table`)."""

from warehouse.contract import TableContract
from warehouse.tables import coach, plans, reference, strava, terra

CONTRACTS: dict[str, TableContract] = {
    c.qualified_name: c
    for c in (
        *terra.TABLES,
        *coach.TABLES,
        *strava.TABLES,
        *plans.TABLES,
        *reference.TABLES,
        *reference.QUARANTINE_TABLES,
    )
}

SCHEMAS = (*dict.fromkeys(c.schema_name for c in CONTRACTS.values()), "analytics")


def contract(qualified_name: str) -> TableContract:
    try:
        return CONTRACTS[qualified_name]
    except KeyError:
        known = ", ".join(CONTRACTS)
        raise KeyError(f"no table {qualified_name!r}; known tables: {known}") from None
