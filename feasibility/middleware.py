from pghistory.middleware import HistoryMiddleware


class RegistryHistoryMiddleware(HistoryMiddleware):
    """Attach the user to registry history, only where the registry is edited (the admin).

    pghistory's context costs an extra statement per query; the API's hot write paths never touch the
    registry's tracked tables, so they skip it.
    """

    def __call__(self, request):
        if request.path.startswith("/admin/"):
            return super().__call__(request)
        return self.get_response(request)
