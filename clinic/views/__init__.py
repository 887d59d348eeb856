"""Views of the core, one module per concept: signing in (`account`), the second factor,
the home page, patients, documents, the patient's own portal pages, reminders and the
audit log. `clinic.urls` names each view by its module."""
