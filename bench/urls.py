"""URLs for the benchmark harness: the floor page in front of the app's own URLs."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from coalition import urls as coalition_urls


def floor_view(request: HttpRequest) -> HttpResponse:
    """The least a Django page can cost here.

    It crosses the same middleware, URL resolver and gunicorn worker as a real
    page, but renders no template and runs no query, so a page's time divided
    by this one's is what the page itself adds.
    """
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor", floor_view), *coalition_urls.urlpatterns]
