"""The CapabilityStatement, made from the registry of served resources."""

from __future__ import annotations

from importlib.metadata import version

from fhir.params import MAX_COUNT
from fhir.registry import RESOURCES, ServedResource
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

# When this statement's content last changed in a way a client cares about.
STATEMENT_DATE = "2026-11-30"


def capability_statement(base_url: str) -> CapabilityStatement:
    return CapabilityStatement(
        status="active",
        date=STATEMENT_DATE,
        kind="instance",
        software={"name": "ketamine-clinic", "version": version("ketamine-clinic")},
        implementation={"description": "Ketamine clinic FHIR R4 API (read-only)", "url": base_url},
        fhirVersion="4.0.1",
        format=["json"],
        rest=[
            {
                "mode": "server",
                "documentation": (
                    "Read-only. Sign in to the clinic (session cookie); each reader sees what "
                    f"their role's pages show. _count defaults to 50, at most {MAX_COUNT}; "
                    "unknown search parameters are refused unless Prefer: handling=lenient."
                ),
                "resource": [_resource(served) for served in RESOURCES],
            }
        ],
    )


def _resource(served: ServedResource) -> dict[str, object]:
    entry: dict[str, object] = {
        "type": served.type,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [
            {"name": p.name, "type": p.type, "documentation": p.documentation}
            for p in served.parameters
        ],
    }
    if served.profile:
        entry["supportedProfile"] = [served.profile]
    if not served.parameters:
        del entry["searchParam"]
    return entry
