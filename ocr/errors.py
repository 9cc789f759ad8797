"""Errors of the OCR stage.

``InputError`` and its subclasses mean "this upload cannot be processed": the worker marks the
document failed for good with ``str(error)`` as the reason shown to the clerk, and does not
retry. ``EngineUnavailable`` is a deployment problem (missing package, binary or model), not a
fault of the file, so it is kept outside that hierarchy.
"""

from __future__ import annotations


class InputError(Exception):
    """The uploaded file cannot be processed; the message is written for a person to read."""

    default_reason = "the file cannot be read"

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason or self.default_reason
        super().__init__(self.reason)


class EmptyFile(InputError):
    """Zero bytes: usually an interrupted upload, so it gets its own message."""

    default_reason = "the file is empty (0 bytes); the upload was probably interrupted"


class UnsupportedType(InputError):
    """The content is not a PDF, PNG, JPEG, TIFF or UTF-8 text (whatever its name says)."""

    default_reason = "unsupported file type; upload a PDF, PNG, JPEG or TIFF scan, or UTF-8 text"


class CorruptFile(InputError):
    """The type is supported but the content is damaged or truncated."""

    default_reason = "the file is damaged or truncated and cannot be read"


class EncryptedFile(InputError):
    """A PDF that needs a password to open."""

    default_reason = (
        "the PDF is password-protected; remove the password (or print it to a new PDF) and "
        "upload it again"
    )


class TooLarge(InputError):
    """Too many pages or pixels: refuses decompression bombs before they eat the worker."""

    default_reason = "the file is too large to process"


class EngineUnavailable(RuntimeError):
    """An OCR engine cannot run here (package, binary, language data or model missing)."""
