"""Server-rendered pages: the dashboard, the run index, one run, the diff of two, and workflow sessions.

Short function views, as the API's views are thin: validate the query or the form, call one selector or one
service, render. Every state change goes through the same service the API calls (``workflow.services``,
``toolpaths.services``); a refusal from it becomes a message on the page it came from, never an error page.
They work without JavaScript; ``static/rmos/rmos.js`` only adds copy buttons and the two-run picker's checks.

Along with ``rmos_site.urls`` these modules are the top layer: they import the apps' services and selectors
at module level, and nothing imports them but the URLconf.
"""
