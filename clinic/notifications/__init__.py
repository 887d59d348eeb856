"""Outgoing messages: email through Django's backends, SMS through `sms`."""
