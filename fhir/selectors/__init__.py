"""Reads of the FHIR API, each scoped to the user exactly as the app's pages are.

Every patient resource starts from `clinic.policy.patients_visible_to(user)`; a read out
of scope (or of nothing) raises `NotVisible`, answered 404 with one `denied` row. Reads
and searches note what they return as the request's subject, so the view decorator
writes the one `view` row (`fhir.access`). Nothing here writes.
"""
