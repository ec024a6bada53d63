"""The ground every app stands on: errors, roles, vocabularies, authentication, idempotency, cursors, database
routing and the embedded database. It imports Django and nothing of RMOS's apps or of the site above it
(``rmos_site.urls``, ``rmos_site.pages``); a test of the import graph keeps it so."""
