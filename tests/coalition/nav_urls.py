"""A URL map with every page the navigation knows, for testing who sees which link."""

from django.http import HttpResponse
from django.urls import include, path

from coalition.permissions import permission_required
from coalition.urls import urlpatterns as real_urlpatterns


def page(request):
    return HttpResponse("a page")


@permission_required("weave")
def weave(request):
    return HttpResponse("the weaver's pipeline")


urlpatterns = [
    path("actions/", include(([path("", page, name="list")], "actions"))),
    path("days/", include(([path("", page, name="days")], "convergence"))),
    path(
        "",
        include(
            (
                [
                    path("statement/", page, name="statement"),
                    path("me/groups/", page, name="my_groups"),
                    path("me/profile/", page, name="profile"),
                    path("weave/", weave, name="weave"),
                ],
                "members",
            )
        ),
    ),
    path(
        "",
        include(
            (
                [path("impact/", page, name="impact"), path("dashboard/", page, name="dashboard")],
                "reporting",
            )
        ),
    ),
    *real_urlpatterns,
]
