"""The error pages, in the site's frame."""

from django.core.exceptions import BadRequest
from django.http import (
    HttpResponseServerError,
)
from django.template import loader
from django.template.response import TemplateResponse

from .. import (
    open_data,
)

# Errors -------------------------------------------------------------------------------------


def bad_request(request, exception):
    """
    The 400 page, in the site's frame, saying what was wrong when the code that refused the
    request said it (BadRequest); other refusals (a malformed header or query string, too
    many parameters) get a general sentence, as their details are not for the public.
    """
    message = str(exception) if type(exception) is BadRequest and str(exception) else ""
    return TemplateResponse(request, "400.html", {"message": message}, status=400)


def server_error(request):
    """
    The 500 page in the site's frame (ascn.urls.handler500). Rendered with a minimal context
    and without the context processors, which may need the database that has just failed.
    """
    context = {"request": request, "data_licence": open_data.data_licence()}
    body = loader.get_template("500.html").render(context)
    return HttpResponseServerError(body)
