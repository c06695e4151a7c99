"""A local S3-compatible server (moto's server mode) on 127.0.0.1 and a free port, with one private bucket.

A real HTTP server that boto3 and django-storages talk to as they would to AWS, MinIO or Alibaba OSS;
other processes (the rehearsal's web and worker) reach it too through the environment it hands out.
"""

import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer


class S3Server:
    def __init__(self, bucket: str = ""):
        # moto keeps its buckets in this process's memory across servers: a bucket of its own per server, so
        # one module's uploads never show up in another's listing.
        self.bucket = bucket or f"gaslabel-test-{uuid.uuid4().hex[:12]}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def start(self) -> "S3Server":
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def env(self) -> dict[str, str]:
        """What a GasLabel process needs in its environment to store files in the bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "gaslabel-test",
            "AWS_SECRET_ACCESS_KEY": "gaslabel-test-secret",
            "AWS_S3_ADDRESSING_STYLE": "path",
        }

    def client(self):
        env = self.env
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=env["AWS_S3_REGION_NAME"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    def keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server().start()
    yield server
    server.stop()
