"""The board: `tactful serve`, a local web view of the whole search (the ``web`` extra).

Pages rendered on the server (the board, an application, the agenda, the rules) and a JSON
API whose documents are the CLI's ``--json`` ones (:mod:`tactful.views.documents`). Importing
:mod:`tactful.web.app` needs Starlette; the CLI imports it only for `serve`.
"""
