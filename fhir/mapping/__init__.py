"""Model instance (prefetched by `fhir.selectors`) → `fhir.resources` R4B model.

No ORM here: a mapper reads only what its selector fetched, so a page of results costs
the selector's queries and nothing per row. Building the library's model validates the
structure and cardinality of every resource the API emits.
"""
