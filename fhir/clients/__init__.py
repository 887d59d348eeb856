"""API clients: OAuth 2.0 client credentials, bearer tokens, scopes and rate limits."""
