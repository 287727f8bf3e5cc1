"""A loopback server speaking the AWS Lambda API's wire protocol for the calls wellcheck uses.

rest-json, as botocore's service model (lambda/2015-03-31/service-2.json) describes:

- GET /2015-03-31/functions/{FunctionName}?Qualifier=Q   GetFunction
- GET /2015-03-31/functions/?Marker=M&MaxItems=N         ListFunctions (NextMarker pages)
- GET /2018-10-31/layers?find=LayerVersion&Arn=ARN       GetLayerVersionByArn

and the presigned-looking code downloads the ``Location`` fields point to
(GET /code/{key}?X-Amz-...).  Errors have botocore's rest-json shape: the
status code, an ``x-amzn-ErrorType`` header naming the exception and a JSON body
``{"Type": "User", "Message": ...}``.  Authentication is not checked: the tests
use obviously fake credentials.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ACCOUNT = "123456789012"
REGION = "us-east-1"
LAST_MODIFIED = "2024-05-01T12:00:00.000+0000"


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def layer_arn(name: str, version: int) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}:{version}"


@dataclass
class FakeFunction:
    name: str
    code: bytes | None  # None: image-packaged
    runtime: str | None = "python3.12"
    timeout: int = 3
    layers: tuple[str, ...] = ()  # LayerVersionArns
    version: str = "$LATEST"
    served: bytes | None = None  # what the code URL really serves (tampering), default code
    image_uri: str = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:latest"

    @property
    def package_type(self) -> str:
        return "Zip" if self.code is not None else "Image"

    def configuration(self, layer_sizes: dict[str, int]) -> dict[str, Any]:
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.name}"
        config: dict[str, Any] = {
            "FunctionName": self.name,
            "FunctionArn": arn if self.version == "$LATEST" else f"{arn}:{self.version}",
            "Role": f"arn:aws:iam::{ACCOUNT}:role/{self.name}-role",
            "CodeSize": len(self.code) if self.code is not None else 0,
            "Description": "",
            "Timeout": self.timeout,
            "MemorySize": 128,
            "LastModified": LAST_MODIFIED,
            "CodeSha256": code_sha256(self.code if self.code is not None else b"image"),
            "Version": self.version,
            "TracingConfig": {"Mode": "PassThrough"},
            "RevisionId": "8f0c1c2d-0000-4000-8000-000000000000",
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": self.package_type,
            "Architectures": ["x86_64"],
            "EphemeralStorage": {"Size": 512},
        }
        if self.code is not None:
            config["Runtime"] = self.runtime
            config["Handler"] = "lambda_function.lambda_handler"
        if self.layers:
            config["Layers"] = [{"Arn": a, "CodeSize": layer_sizes.get(a, 0)} for a in self.layers]
        return config


@dataclass
class FakeLayer:
    arn: str
    code: bytes
    compatible_runtimes: tuple[str, ...] = ("python3.12",)
    served: bytes | None = None


@dataclass
class LambdaServer:
    functions: dict[tuple[str, str | None], FakeFunction] = field(default_factory=dict)
    layers: dict[str, FakeLayer] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    code_faults: list[int] = field(default_factory=list)  # statuses for the next downloads
    code_drip: float = 0.0  # seconds between the bytes of a code download (0: all at once)
    deleted: set[str] = field(default_factory=set)  # listed, but GetFunction says not found
    signed_regions: list[str] = field(default_factory=list)  # from each SigV4 credential scope

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LambdaServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def add_function(self, fn: FakeFunction, qualifier: str | None = None) -> FakeFunction:
        self.functions[(fn.name, qualifier)] = fn
        return fn

    def add_layer(self, layer: FakeLayer) -> FakeLayer:
        self.layers[layer.arn] = layer
        return layer

    def calls(self, path_prefix: str) -> list[dict[str, list[str]]]:
        return [query for path, query in self.requests if path.startswith(path_prefix)]

    # --- the API ---------------------------------------------------------------

    def get_function(self, name: str, qualifier: str | None) -> tuple[int, Any]:
        if name.startswith("arn:"):
            parts = name.split(":")
            name = parts[6]
            qualifier = parts[7] if len(parts) > 7 else qualifier
        fn = self.functions.get((name, qualifier))
        if fn is None or name in self.deleted:
            suffix = f":{qualifier}" if qualifier else ""
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}{suffix}"
            return _error(404, "ResourceNotFoundException", f"Function not found: {arn}")
        key = f"fn/{name}/{qualifier or '$LATEST'}"
        sizes = {arn: len(layer.code) for arn, layer in self.layers.items()}
        body: dict[str, Any] = {"Configuration": fn.configuration(sizes)}
        if fn.code is None:
            body["Code"] = {"RepositoryType": "ECR", "ImageUri": fn.image_uri}
        else:
            body["Code"] = {"RepositoryType": "S3", "Location": self._location(key)}
        body["Tags"] = {"team": "payments"}
        return 200, body

    def list_functions(self, marker: str | None, max_items: int | None) -> tuple[int, Any]:
        listed = sorted((k[0], fn) for k, fn in self.functions.items() if k[1] is None)
        start = int(marker.removeprefix("page-")) if marker else 0
        size = max_items or 50
        sizes = {arn: len(layer.code) for arn, layer in self.layers.items()}
        page = [fn.configuration(sizes) for _, fn in listed[start : start + size]]
        body: dict[str, Any] = {"Functions": page}
        if start + size < len(listed):
            body["NextMarker"] = f"page-{start + size}"
        return 200, body

    def get_layer_version(self, arn: str) -> tuple[int, Any]:
        layer = self.layers.get(arn)
        if layer is None:
            return _error(
                404, "ResourceNotFoundException", "The resource you requested does not exist."
            )
        version = int(arn.rsplit(":", 1)[1])
        return 200, {
            "Content": {
                "Location": self._location(f"layer/{arn.rsplit(':', 2)[1]}/{version}"),
                "CodeSha256": code_sha256(layer.code),
                "CodeSize": len(layer.code),
            },
            "LayerArn": arn.rsplit(":", 1)[0],
            "LayerVersionArn": arn,
            "Description": "",
            "CreatedDate": LAST_MODIFIED,
            "Version": version,
            "CompatibleRuntimes": list(layer.compatible_runtimes),
        }

    def code_bytes(self, key: str) -> bytes | None:
        kind, name, qualifier = key.split("/", 2)
        if kind == "fn":
            fn = self.functions.get((name, None if qualifier == "$LATEST" else qualifier))
            if fn is None or fn.code is None:
                return None
            return fn.served if fn.served is not None else fn.code
        suffix = f":layer:{name}:{qualifier}"
        layer = next((v for arn, v in self.layers.items() if arn.endswith(suffix)), None)
        if layer is None:
            return None
        return layer.served if layer.served is not None else layer.code

    def _location(self, key: str) -> str:
        return (
            f"{self.url}/code/{key}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=testing&X-Amz-Signature=0123456789abcdef&X-Amz-Expires=600"
        )


def _error(status: int, name: str, message: str) -> tuple[int, Any]:
    return status, ({"Type": "User", "Message": message}, name)


def _handler(server: LambdaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/")
            query = parse_qs(parts.query)
            scope = self.headers.get("Authorization", "").partition("Credential=")[2]
            with server._lock:
                server.requests.append((path, query))
                if scope:
                    server.signed_regions.append(scope.split("/")[2])
            if path.startswith("/code/"):
                self._code(unquote(path.removeprefix("/code/")))
                return
            if path == "/2015-03-31/functions":
                marker = query.get("Marker", [None])[0]
                max_items = query.get("MaxItems", [None])[0]
                self._json(*server.list_functions(marker, int(max_items) if max_items else None))
            elif path.startswith("/2015-03-31/functions/"):
                name = unquote(path.removeprefix("/2015-03-31/functions/"))
                self._json(*server.get_function(name, query.get("Qualifier", [None])[0]))
            elif path == "/2018-10-31/layers" and query.get("find") == ["LayerVersion"]:
                self._json(*server.get_layer_version(query.get("Arn", [""])[0]))
            else:
                self._json(*_error(404, "UnknownOperationException", "unknown operation"))

        def _json(self, status: int, body: Any) -> None:
            error = None
            if isinstance(body, tuple):
                body, error = body
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "11111111-2222-4333-8444-555555555555")
            if error:
                self.send_header("x-amzn-ErrorType", error)
            self.end_headers()
            self.wfile.write(data)

        def _code(self, key: str) -> None:
            with server._lock:
                fault = server.code_faults.pop(0) if server.code_faults else None
            data = server.code_bytes(key)
            if data is None or fault is not None:
                body = b"<Error><Code>AccessDenied</Code></Error>"
                self.send_response(fault or 404)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            with server._lock:
                server.downloads.append(key)
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not server.code_drip:
                self.wfile.write(data)
                return
            try:
                for byte in data:  # a trickle: the client's deadline must cut it off
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(server.code_drip)
            except OSError:
                pass  # the client gave up, as it should

    return Handler
