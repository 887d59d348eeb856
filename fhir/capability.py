"""The CapabilityStatement, made from the registry of served resources."""

from __future__ import annotations

from importlib.metadata import version

from fhir.params import MAX_COUNT
from fhir.registry import RESOURCES, ServedResource
from fhir.resource import Resource, resource

# The Bulk Data Access IG's canonical URLs (fhir.bulk).
BULK_DATA = "http://hl7.org/fhir/uv/bulkdata/"

# The core specification's `Patient/{id}/$everything` (fhir.views.patient_everything).
PATIENT_EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"

# When this statement's content last changed in a way a client cares about.
STATEMENT_DATE = "2026-11-30"


def capability_statement(base_url: str) -> Resource:
    return resource(
        "CapabilityStatement",
        status="active",
        date=STATEMENT_DATE,
        kind="instance",
        software={"name": "ketamine-clinic", "version": version("ketamine-clinic")},
        implementation={"description": "Ketamine clinic FHIR R4 API (read-only)", "url": base_url},
        instantiates=[BULK_DATA + "CapabilityStatement/bulk-data"],
        fhirVersion="4.0.1",
        format=["json"],
        rest=[
            {
                "mode": "server",
                "documentation": (
                    "Read-only. API clients use OAuth 2.0 client credentials (a bearer "
                    "token, SMART system scopes); staff may sign in to the clinic (session "
                    "cookie) and see what their role's pages show. _count defaults to 50, "
                    f"at most {MAX_COUNT}; unknown search parameters are refused unless "
                    "Prefer: handling=lenient."
                ),
                "security": _security(base_url),
                "resource": [_resource(served) for served in RESOURCES],
                "operation": [_operation("export", "export")],
            }
        ],
    )


def _security(base_url: str) -> dict[str, object]:
    """SMART on FHIR: where the token endpoint is (the oauth-uris extension)."""
    return {
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ]
            }
        ],
        "description": (
            "OAuth 2.0 client credentials: POST auth/token (client_secret_basic or "
            "client_secret_post), then Authorization: Bearer <token>. See "
            ".well-known/smart-configuration."
        ),
        "extension": [
            {
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": [{"url": "token", "valueUri": base_url + "auth/token"}],
            }
        ],
    }


def _resource(served: ServedResource) -> dict[str, object]:
    entry: dict[str, object] = {
        "type": served.type,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [
            {"name": p.name, "type": p.type, "documentation": p.documentation}
            for p in served.parameters
        ],
    }
    if served.type == "Patient":
        entry["operation"] = [
            _operation("export", "patient-export"),
            {"name": "everything", "definition": PATIENT_EVERYTHING},
        ]
    if served.profile:
        entry["supportedProfile"] = [served.profile]
    if not served.parameters:
        del entry["searchParam"]
    return entry


def _operation(name: str, definition: str) -> dict[str, str]:
    return {"name": name, "definition": f"{BULK_DATA}OperationDefinition/{definition}"}
