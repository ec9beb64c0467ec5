"""A real S3-compatible server for tests: moto in server mode, on a free port.

``s3_server`` starts it once per test session; ``s3_storage_settings`` gives each test a
bucket of its own and the :class:`~kit.settings.StorageSettings` that reach it, and
:func:`objects` lists what the bucket holds (through boto3, not through our code).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from kit.settings import StorageSettings

ACCESS_KEY_ID = "isok-test-key"
SECRET_ACCESS_KEY = "isok-test-secret"  # moto accepts any pair
REGION = "eu-north-1"
_buckets = itertools.count()


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def client(self) -> object:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    from tests.conftest import free_port

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(endpoint_url=f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def s3_storage_settings(s3_server: S3Server) -> StorageSettings:
    """A new, empty bucket and the settings that store files in it (under a prefix)."""
    bucket = f"isok-test-{next(_buckets)}"
    s3_server.client().create_bucket(  # type: ignore[attr-defined]
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return StorageSettings(
        kind="s3",
        endpoint_url=s3_server.endpoint_url,
        bucket=bucket,
        region=REGION,
        access_key_id=ACCESS_KEY_ID,
        secret_access_key=SECRET_ACCESS_KEY,
        prefix="isok/test",
    )


def objects(server: S3Server, settings: StorageSettings) -> dict[str, bytes]:
    """Every object in the bucket of ``settings``, by its full name, with its bytes."""
    client = server.client()
    listed = client.list_objects_v2(Bucket=settings.bucket)  # type: ignore[attr-defined]
    return {
        item["Key"]: client.get_object(Bucket=settings.bucket, Key=item["Key"])[  # type: ignore[attr-defined]
            "Body"
        ].read()
        for item in listed.get("Contents", [])
    }
