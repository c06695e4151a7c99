"""Pages of a table whose size the query string sets (django-tables2 reads `?per_page=`): kept between 1 and a bound.

A negative size was a 500 (the paginator's page numbers fell below 1), and `?per_page=1000000` rendered a million
label rows in one page. The back-office lists and the case queues use this paginator.
"""

from django.core.paginator import Paginator

MAX_PER_PAGE = 500


class BoundedPaginator(Paginator):
    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, min(max(int(per_page), 1), MAX_PER_PAGE), *args, **kwargs)
