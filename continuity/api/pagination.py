from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``?page=N`` and ``?page_size=`` up to 200; responses carry count, next and previous."""

    page_size_query_param = "page_size"
    max_page_size = 200
