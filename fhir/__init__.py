"""The FHIR R4 API (spec fhir.md): read-only, on top of every other app.

The `fhir.resources` library installs its models under a top-level package also named
`fhir`; extending this package's path lets `fhir.resources` be found next to this app
(the pkgutil idiom for a package split across two places) so the app keeps the name the
design gives it.
"""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
