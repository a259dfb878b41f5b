"""URLs of the exchange app, gathered from its view modules."""

from exchange.views import csv_pages, osdi, sources

app_name = "exchange"

urlpatterns: list = [*osdi.urlpatterns, *csv_pages.urlpatterns, *sources.urlpatterns]
