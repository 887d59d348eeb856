"""Write services of the sessions app: scheduling and the session record."""
