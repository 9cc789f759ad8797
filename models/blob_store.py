"""The blob store the settings name (``DOSSIER_BLOB_URL``): what every caller opens.

A module of its own so that the protocol (`models.blobs`) and the S3 engine (`models.blob_s3`)
do not import each other.
"""

from __future__ import annotations

from models.blobs import BlobStore, LocalBlobStore
from models.settings import Settings


def open_blob_store(settings: Settings) -> BlobStore:
    """``DOSSIER_BLOB_URL=s3://bucket/prefix``: that object store; unset: the folder
    ``data_dir/blobs``. S3 clients are cached per process (creating one costs ~0.1 s), and
    boto3 is imported only here, on the first S3 store."""
    url = settings.blob_url
    if url and url.startswith("s3://"):
        from models.blob_s3 import s3_store

        return s3_store(url, settings.blob_endpoint_url, settings.blob_region,
                        settings.blob_part_mb, settings.blob_timeout_s)
    return LocalBlobStore(settings.blob_dir)
