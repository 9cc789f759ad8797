"""Errors of the OCR stage.

``InputError`` and its subclasses mean "this upload cannot be processed": the worker marks the
document failed for good with ``str(error)`` as the reason shown to the clerk, and does not
retry. ``EngineUnavailable`` is a deployment problem (missing package, binary or model), not a
fault of the file, so it is kept outside that hierarchy.
"""

from __future__ import annotations


class InputError(Exception):
    """The uploaded file cannot be processed; the message is written (in Chinese) for the clerk
    who uploaded it; technical detail, where any, follows in parentheses."""

    default_reason = "文件无法读取"

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason or self.default_reason
        super().__init__(self.reason)


class EmptyFile(InputError):
    """Zero bytes: usually an interrupted upload, so it gets its own message."""

    default_reason = "文件是空的（0 字节），上传可能中断了，请重新上传"


class UnsupportedType(InputError):
    """The content is not a PDF, PNG, JPEG, TIFF or UTF-8 text (whatever its name says)."""

    default_reason = "不支持的文件类型；请上传 PDF、PNG、JPEG 或 TIFF 扫描件，或 UTF-8 文本"


class CorruptFile(InputError):
    """The type is supported but the content is damaged or truncated."""

    default_reason = "文件已损坏或不完整，无法读取"


class EncryptedFile(InputError):
    """A PDF that needs a password to open."""

    default_reason = "该 PDF 设有密码（password）保护；请去除密码（或另存/打印为新的 PDF）后重新上传"


class TooLarge(InputError):
    """Too many pages or pixels: refuses decompression bombs before they eat the worker."""

    default_reason = "文件过大，无法处理"


class EngineUnavailable(RuntimeError):
    """An OCR engine cannot run here (package, binary, language data or model missing)."""
