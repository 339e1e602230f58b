"""The secretary's workbench: a local web page over the library API (``speechgen serve``).

``create_app(settings)`` (web/app.py) builds the ASGI application from frozen settings; each page has its
own module under views/; pages are Jinja templates of their own (templates/*.html, autoescaped), never the
speech environment; htmx (static/htmx.min.js, copied into the package) makes them interactive. Nothing here
is imported by ``speechgen --help``: the serve command imports it when it runs.
"""
