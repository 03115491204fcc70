"""The Open311 GeoReport v2 routes (rooms/open311.py) in the OpenAPI document: each operation
in JSON or XML by its extension, and errors in the specification's own shape rather than as
problem bodies, as GeoReport clients expect."""

from __future__ import annotations

JSON = "application/json"
XML = "text/xml"
PREFIX = "/open311/v2"

_TEXT = {"type": ["string", "null"]}
_DATETIME = {"type": ["string", "null"], "format": "date-time", "description": "W3C date-time in UTC"}

SCHEMAS = {
    "Open311Service": {
        "type": "object",
        "description": "An entry of the commune's office catalogue (complaints, observations, suggestions).",
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "properties": {
            "service_code": {"type": "string", "examples": ["lighting"]},
            "service_name": {"type": "string", "description": "in the Accept-Language (fr, ar, en), French otherwise"},
            "description": {"type": "string"},
            "metadata": {"type": "boolean", "description": "true when the service definition has attributes"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string", "description": "comma-separated"},
            "group": {"type": "string"},
        },
    },
    "Open311ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {
            "service_code": {"type": "string"},
            "attributes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "variable",
                        "code",
                        "datatype",
                        "required",
                        "datatype_description",
                        "order",
                        "description",
                    ],
                    "properties": {
                        "variable": {"type": "boolean"},
                        "code": {"type": "string"},
                        "datatype": {
                            "type": "string",
                            "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"],
                        },
                        "required": {"type": "boolean"},
                        "datatype_description": {"type": "string"},
                        "order": {"type": "integer"},
                        "description": {"type": "string"},
                    },
                },
            },
        },
    },
    "Open311Request": {
        "type": "object",
        "description": "A service request as the public list shows it: the text, place and photo only of "
        "public requests, never who asked.",
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "properties": {
            "service_request_id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _TEXT,
            "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": _TEXT,
            "agency_responsible": _TEXT,
            "service_notice": _TEXT,
            "requested_datetime": _DATETIME,
            "updated_datetime": _DATETIME,
            "expected_datetime": {**_DATETIME, "description": "the answer deadline, W3C date-time in UTC"},
            "address": _TEXT,
            "address_id": _TEXT,
            "zipcode": _TEXT,
            "lat": {"type": ["number", "null"]},
            "long": {"type": ["number", "null"]},
            "media_url": _TEXT,
        },
    },
    "Open311Receipt": {
        "type": "object",
        "required": ["service_request_id", "token", "service_notice"],
        "properties": {
            "service_request_id": {"type": "string"},
            "token": {"type": "string", "description": "the tracking code, also usable on the portal"},
            "service_notice": {"type": "string"},
            "account_id": {"type": "null"},
        },
    },
    "Open311Token": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"}},
    },
    "Open311Discovery": {
        "type": "object",
        "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": {"type": "string", "format": "date-time"},
            "contact": {"type": "string"},
            "key_service": {"type": "string"},
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "changeset", "type", "formats"],
                    "properties": {
                        "specification": {"type": "string"},
                        "url": {"type": "string"},
                        "changeset": {"type": "string"},
                        "type": {"type": "string"},
                        "formats": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
    "Open311Errors": {
        "type": "array",
        "description": "GeoReport v2 errors; in XML <errors><error><code/><description/></error></errors>.",
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        },
    },
}

RESPONSES = {
    "Open311Error": {
        "description": "GeoReport v2 error list, in the format of the URL's extension.",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {
            JSON: {"schema": {"$ref": "#/components/schemas/Open311Errors"}},
            XML: {"schema": {"type": "string"}},
        },
    },
}


def _param(name: str, where: str = "query", description: str = "", required: bool = False, **schema) -> dict:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": {"type": "string", **schema},
    }


_FMT = _param("fmt", "path", "json or xml", enum=["json", "xml"])


def _jurisdiction(required: bool) -> dict:
    return _param("jurisdiction_id", description="the commune's code, e.g. tetouan", required=required)


def _query(name: str, description: str) -> dict:
    return _param(name, description=description)


def _path(name: str) -> dict:
    return _param(name, "path")


def _ok(schema: str, status: str = "200", many: bool = True) -> dict:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {
        status: {
            "description": "In JSON or XML, by the extension",
            "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
            "content": {
                JSON: {"schema": {"type": "array", "items": ref} if many else ref},
                XML: {"schema": {"type": "string"}},
            },
        }
    }


def _errors(*codes: str) -> dict:
    return {
        code: {"$ref": "#/components/responses/Open311Error"} for code in ("400", "404", "429", "500", "503") + codes
    }


_SUBMISSION = {
    "type": "object",
    "required": ["api_key", "jurisdiction_id", "service_code"],
    "properties": {
        "api_key": {"type": "string", "description": "an open311_client API key bound to the office"},
        "jurisdiction_id": {"type": "string"},
        "service_code": {"type": "string"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {"type": "string"},
        "address_id": {"type": "string"},
        "description": {"type": "string", "minLength": 10, "maxLength": 4000},
        "media_url": {"type": "string", "format": "uri"},
        "email": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "phone": {"type": "string"},
        "device_id": {"type": "string"},
        "account_id": {"type": "string"},
        "locale": {"type": "string", "description": "ar, fr or en: the language of the citizen's notifications"},
    },
}

PATHS = {
    PREFIX + "/discovery.{fmt}": {
        "get": {
            "operationId": "open311Discovery",
            "tags": ["open311"],
            "summary": "Open311 service discovery: the GeoReport v2 endpoint and its formats",
            "parameters": [_FMT],
            "responses": {**_ok("Open311Discovery", many=False), **_errors()},
        }
    },
    PREFIX + "/services.{fmt}": {
        "get": {
            "operationId": "open311Services",
            "tags": ["open311"],
            "summary": "GeoReport v2 service list of a commune",
            "parameters": [_FMT, _jurisdiction(True)],
            "responses": {**_ok("Open311Service"), **_errors()},
        }
    },
    PREFIX + "/services/{service_code}.{fmt}": {
        "get": {
            "operationId": "open311ServiceDefinition",
            "tags": ["open311"],
            "summary": "GeoReport v2 service definition",
            "parameters": [_path("service_code"), _FMT, _jurisdiction(True)],
            "responses": {**_ok("Open311ServiceDefinition", many=False), **_errors()},
        }
    },
    PREFIX + "/requests.{fmt}": {
        "get": {
            "operationId": "open311Requests",
            "tags": ["open311"],
            "summary": "GeoReport v2 service requests (the last 90 days unless said, at most 1000)",
            "parameters": [
                _FMT,
                _jurisdiction(True),
                _query("service_request_id", "comma-separated ids; the other filters are then ignored"),
                _query("service_code", "comma-separated service codes"),
                _query("start_date", "W3C date-time"),
                _query("end_date", "W3C date-time; at most 90 days after start"),
                _query("status", "open, closed, or both comma-separated"),
            ],
            "responses": {**_ok("Open311Request"), **_errors()},
        },
        "post": {
            "operationId": "open311Submit",
            "tags": ["open311"],
            "summary": "GeoReport v2: file a service request (a ticket of channel open311)",
            "parameters": [_FMT],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": _SUBMISSION}},
            },
            "responses": {**_ok("Open311Receipt", status="201"), **_errors("403")},
        },
    },
    PREFIX + "/requests/{service_request_id}.{fmt}": {
        "get": {
            "operationId": "open311Request",
            "tags": ["open311"],
            "summary": "GeoReport v2: one service request",
            "parameters": [_path("service_request_id"), _FMT, _jurisdiction(False)],
            "responses": {**_ok("Open311Request"), **_errors()},
        }
    },
    PREFIX + "/tokens/{token}.{fmt}": {
        "get": {
            "operationId": "open311Token",
            "tags": ["open311"],
            "summary": "GeoReport v2: the service request of a token (the tracking code)",
            "parameters": [_path("token"), _FMT],
            "responses": {**_ok("Open311Token"), **_errors()},
        }
    },
}
