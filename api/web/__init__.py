"""The server-rendered Chinese web pages (Jinja templates, static assets)."""
