"""Model instance (prefetched by `fhir.selectors`) → FHIR R4 resource (`fhir.resource`).

No ORM here: a mapper reads only what its selector fetched, so a page of results costs
the selector's queries and nothing per row. A resource is plain JSON data; with
`FHIR_CHECK_RESOURCES` on (every test run) `fhir.resource.resource` parses it with the
`fhir.resources` R4B model of its type, which checks its structure and cardinality, and
compares what the library would write with what this API writes.
"""
