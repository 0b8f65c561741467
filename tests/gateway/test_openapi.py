"""The API describes itself: OpenAPI 3 with an example for every endpoint and its errors."""

from gateway.app import create_app
from gateway.settings import GatewaySettings

PUBLIC = {
    ("get", "/api/pgc/{pgc}"),
    ("get", "/api/objname/{name}"),
    ("get", "/api/coord"),
    ("post", "/api/file"),
    ("post", "/api/batch"),
    ("get", "/api/cutout"),
    ("get", "/api/preview"),
    ("post", "/api/preview"),
}


def test_every_public_endpoint_has_examples_and_error_responses() -> None:
    schema = create_app(GatewaySettings()).openapi()
    assert schema["openapi"].startswith("3.")
    operations = {
        (method, path)
        for path, item in schema["paths"].items()
        for method in item
        if path.startswith("/api/")
    }
    assert operations == PUBLIC
    for method, path in PUBLIC:
        operation = schema["paths"][path][method]
        responses = operation["responses"]
        assert any(int(code) >= 400 for code in responses), (method, path)
        for code, response in responses.items():
            if (int(code) >= 400 and int(code) != 422) or path == "/api/file":
                content = response.get("content", {})
                if int(code) >= 400:
                    problem = content["application/problem+json"]
                    assert problem["example"]["status"] == int(code), (method, path, code)
        if not path.endswith(("/cutout", "/preview")):
            ok = responses["200"]["content"]
            assert any("example" in media for media in ok.values()), (method, path)


def test_result_schema_is_published() -> None:
    components = create_app(GatewaySettings()).openapi()["components"]["schemas"]
    result = components["InclinationResult"]["properties"]
    for field in (
        "galaxy",
        "inclination",
        "flavors",
        "alarm",
        "image",
        "model_set_version",
        "cached",
    ):
        assert field in result
    assert {"BatchItem", "BatchLine", "Problem"} <= set(components)
