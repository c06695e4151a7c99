"""OpenAPI post-processing: the statuses every operation can answer, whatever its view says.

- 400: a control character or an overlong URL is refused before any view (project.middleware), on every path.
- 401: a missing, invalid, expired or revoked token (api.tokens), even on public operations (a bad token is
  refused before the permission check).
- 404 on every path with a parameter; 406 for an Accept header the API cannot satisfy.
- 413 and 415 on every operation with a body: Django's DATA_UPLOAD_MAX_MEMORY_SIZE guard, an unsupported type.
All of them in the one error shape, APIError.
"""

COMMON = {
    "400": "Bad request: invalid input, or a control character / overlong value in the URL",
    "401": "Not authenticated: a missing, invalid, expired or revoked token",
    "406": "Not acceptable: the API answers JSON only",
}
WITH_PARAMETER = {"404": "Not found, or not yours"}
WITH_BODY = {"413": "Request body too large", "415": "Unsupported media type"}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIError"}}},
    }


def document_common_errors(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            wanted = dict(COMMON)
            if "{" in path:
                wanted.update(WITH_PARAMETER)
            if "requestBody" in operation:
                wanted.update(WITH_BODY)
            for status, description in wanted.items():
                responses.setdefault(status, _error(description))
    return result
