"""STORAGE_URL and AWS_STORAGE_BUCKET_NAME pick the files' storage (no bucket is reached)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import default_storage


def test_without_a_bucket_files_go_to_the_media_folder():
    assert default_storage("", "")["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_a_storage_url_names_an_s3_compatible_bucket():
    storage = default_storage(
        "s3://receipts/budget?endpoint_url=https://minio.example:9000&region_name=eu-1", ""
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "receipts",
        "location": "budget",
        "endpoint_url": "https://minio.example:9000",
        "region_name": "eu-1",
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }


def test_an_aws_bucket_name_alone_is_enough():
    assert default_storage("", "my-bucket")["OPTIONS"]["bucket_name"] == "my-bucket"


@pytest.mark.parametrize("url", ["https://bucket.example", "s3://", "s3:///folder"])
def test_a_storage_url_that_is_not_s3_is_refused_at_start(url):
    with pytest.raises(ImproperlyConfigured):
        default_storage(url, "")


def test_django_storages_takes_the_options():
    from storages.backends.s3 import S3Storage

    options = default_storage("s3://receipts?endpoint_url=https://minio.example:9000", "")
    storage = S3Storage(**options["OPTIONS"])  # builds no connection yet
    assert (storage.bucket_name, storage.endpoint_url) == ("receipts", "https://minio.example:9000")
