"""A refused form's input, kept for the page it came from.

A form that does not validate redirects back to its page (POST/redirect/GET, as every form here does), and
that page shows the form again as it was sent, each error next to its field, instead of a blank form and a
message. The input waits in the user's session under the form's key and is taken once, by the next page
that shows that form. Nothing is written anywhere else: a refused form still changes nothing.

A file a form sent is not kept (a browser cannot be given one back): the form asks for it again. A service's
refusal of what the form sent (a drawing it could not read) may be kept with it, as errors beside the fields
they are about.
"""

from django.http import QueryDict

_PREFIX = "rmos.kept."
_NOT_KEPT = frozenset({"csrfmiddlewaretoken", "next"})


_ERRORS = ".errors"


def keep(request, key: str, *, errors: dict[str, list[str]] | None = None) -> None:
    """Keep the form's input under ``key``; ``errors`` (field name: messages) are shown beside their fields in
    place of the form's own errors for them."""
    request.session[_PREFIX + key] = {name: values for name, values in request.POST.lists() if name not in _NOT_KEPT}
    if errors:
        request.session[_PREFIX + key + _ERRORS] = {name: list(messages) for name, messages in errors.items()}


def take(request, key: str) -> QueryDict | None:
    """The input kept under ``key`` (then forgotten), or None."""
    if not hasattr(request, "session"):
        return None
    stored = request.session.pop(_PREFIX + key, None)
    if not isinstance(stored, dict):
        return None
    data = QueryDict(mutable=True)
    for name, values in stored.items():
        data.setlist(name, [str(value) for value in values])
    return data


def bind(form_class, request, key: str, **kwargs):
    """``form_class`` bound to the input kept under ``key``, else unbound with ``kwargs`` (its initial)."""
    data = take(request, key)
    if data is not None:
        errors = request.session.pop(_PREFIX + key + _ERRORS, None)
        kwargs.pop("initial", None)
        form = form_class(data, **kwargs)
        form.is_valid()  # fills its errors, shown next to the fields
        for name, messages in (errors or {}).items() if isinstance(errors, dict) else ():
            if name in form.fields:
                form.errors[name] = form.error_class([str(message) for message in messages])
        return form
    return form_class(**kwargs)
