"""The REST API under /api/v1/: thin views over the same services and selectors the dashboard
uses. Shared parts live here (auth, errors, paging, permissions, throttles); each app keeps
its own endpoints (``clients/api.py``, ``notes/api.py``)."""
